package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// webDriver is a minimal client of the W3C WebDriver HTTP protocol, enough to drive Chromium
// through Debian's chromedriver: one session, navigation, scripts, clicks, window size and
// screenshots. Every command is bounded by the context and by a per-command timeout.
type webDriver struct {
	base    string // http://127.0.0.1:PORT of chromedriver
	session string
	client  *http.Client
}

// webDriverError is the error a WebDriver endpoint answers with.
type webDriverError struct {
	Code    string `json:"error"`
	Message string `json:"message"`
}

func (e *webDriverError) Error() string {
	msg, _, _ := strings.Cut(e.Message, "\n  (Session info")
	return fmt.Sprintf("webdriver: %s: %s", e.Code, msg)
}

// elementKey is the key W3C WebDriver uses for element references in JSON.
const elementKey = "element-6066-11e4-a52e-4f735466cecf"

func newWebDriver(base string) *webDriver {
	return &webDriver{base: strings.TrimRight(base, "/"), client: &http.Client{Timeout: 90 * time.Second}}
}

// do sends one command and decodes its "value" into out (when out is not nil).
func (w *webDriver) do(ctx context.Context, method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=utf-8")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return fmt.Errorf("webdriver %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("webdriver %s %s: reading the answer: %w", method, path, err)
	}
	var envelope struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &envelope); err != nil {
		return fmt.Errorf("webdriver %s %s: HTTP %d, not JSON: %.200s", method, path, resp.StatusCode, data)
	}
	if resp.StatusCode != http.StatusOK {
		var werr webDriverError
		if json.Unmarshal(envelope.Value, &werr) == nil && werr.Code != "" {
			return fmt.Errorf("%s %s: %w", method, path, &werr)
		}
		return fmt.Errorf("webdriver %s %s: HTTP %d: %.300s", method, path, resp.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(envelope.Value, out); err != nil {
			return fmt.Errorf("webdriver %s %s: decoding %.200s: %w", method, path, envelope.Value, err)
		}
	}
	return nil
}

// ready reports whether chromedriver answers /status with ready=true.
func (w *webDriver) ready(ctx context.Context) bool {
	var st struct {
		Ready bool `json:"ready"`
	}
	return w.do(ctx, http.MethodGet, "/status", nil, &st) == nil && st.Ready
}

// newSession starts the browser: binary is the Chromium executable, args its command line.
func (w *webDriver) newSession(ctx context.Context, binary string, args []string) error {
	caps := map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName":      "chrome",
		"pageLoadStrategy": "normal",
		"goog:chromeOptions": map[string]any{
			"binary": binary,
			"args":   args,
		},
	}}}
	var out struct {
		SessionID    string         `json:"sessionId"`
		Capabilities map[string]any `json:"capabilities"`
	}
	if err := w.do(ctx, http.MethodPost, "/session", caps, &out); err != nil {
		return fmt.Errorf("starting Chromium through chromedriver: %w", err)
	}
	if out.SessionID == "" {
		return errors.New("chromedriver started no session")
	}
	w.session = out.SessionID
	return nil
}

// quit ends the session, which closes the browser.
func (w *webDriver) quit(ctx context.Context) error {
	if w.session == "" {
		return nil
	}
	err := w.do(ctx, http.MethodDelete, "/session/"+w.session, nil, nil)
	w.session = ""
	return err
}

func (w *webDriver) sessionPath(p string) string { return "/session/" + w.session + p }

// navigate opens url and waits for the page to load.
func (w *webDriver) navigate(ctx context.Context, url string) error {
	return w.do(ctx, http.MethodPost, w.sessionPath("/url"), map[string]string{"url": url}, nil)
}

// execute runs script (the body of a JavaScript function) with args and decodes its result.
func (w *webDriver) execute(ctx context.Context, script string, out any, args ...any) error {
	if args == nil {
		args = []any{}
	}
	return w.do(ctx, http.MethodPost, w.sessionPath("/execute/sync"), map[string]any{"script": script, "args": args}, out)
}

// find returns the reference of the first element matching a CSS selector.
func (w *webDriver) find(ctx context.Context, css string) (string, error) {
	var el map[string]string
	if err := w.do(ctx, http.MethodPost, w.sessionPath("/element"), map[string]string{"using": "css selector", "value": css}, &el); err != nil {
		return "", err
	}
	id := el[elementKey]
	if id == "" {
		return "", fmt.Errorf("webdriver: element %q: no reference in the answer", css)
	}
	return id, nil
}

// click clicks an element like a user: WebDriver scrolls it into view and checks that it is
// visible and not covered by another element.
func (w *webDriver) click(ctx context.Context, element string) error {
	return w.do(ctx, http.MethodPost, w.sessionPath("/element/"+element+"/click"), map[string]any{}, nil)
}

// setWindowSize resizes the browser window.
func (w *webDriver) setWindowSize(ctx context.Context, width, height int) error {
	return w.do(ctx, http.MethodPost, w.sessionPath("/window/rect"), map[string]int{"width": width, "height": height}, nil)
}

// screenshot returns a PNG of the window's viewport.
func (w *webDriver) screenshot(ctx context.Context) ([]byte, error) {
	var b64 string
	if err := w.do(ctx, http.MethodGet, w.sessionPath("/screenshot"), nil, &b64); err != nil {
		return nil, err
	}
	png, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("webdriver screenshot: %w", err)
	}
	return png, nil
}
