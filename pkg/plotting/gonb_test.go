//go:build unix

package plotting

import (
	"encoding/gob"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/janpfeifer/gonb/gonbui"
	"github.com/janpfeifer/gonb/gonbui/protocol"
)

// TestGonbuiProtocol runs the real gonbui display path against named pipes
// standing in for the GoNB kernel, and checks what a kernel would receive:
// transient updates carry a display id (update_display_data in Jupyter),
// the final chart does not (a permanent display_data output).
func TestGonbuiProtocol(t *testing.T) {
	dir := t.TempDir()
	toKernel, fromKernel := filepath.Join(dir, "to_kernel"), filepath.Join(dir, "from_kernel")
	for _, p := range []string{toKernel, fromKernel} {
		if err := syscall.Mkfifo(p, 0o600); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
	t.Setenv(protocol.GONB_PIPE_ENV, toKernel)
	t.Setenv(protocol.GONB_PIPE_BACK_ENV, fromKernel)
	oldNB, oldD, oldS := gonbui.IsNotebook, display, stderr
	gonbui.IsNotebook, display, stderr = true, gonbDisplay{}, &syncBuffer{}
	defer func() { gonbui.IsNotebook, display, stderr = oldNB, oldD, oldS }()

	// The fake kernel: forwards display messages to msgs and acknowledges sync requests on the
	// back pipe, as GoNB does.
	back := make(chan *os.File, 1)
	go func() {
		w, err := os.OpenFile(fromKernel, os.O_WRONLY, 0)
		if err == nil {
			back <- w
		}
	}()
	var backW *os.File
	defer func() {
		if backW != nil {
			_ = backW.Close()
		}
	}()
	msgs := make(chan *protocol.DisplayData, 1000)
	go func() {
		r, err := os.OpenFile(toKernel, os.O_RDONLY, 0)
		if err != nil {
			close(msgs)
			return
		}
		dec := gob.NewDecoder(r)
		var enc *gob.Encoder
		for {
			d := &protocol.DisplayData{}
			if err := dec.Decode(d); err != nil {
				close(msgs)
				return
			}
			var cv *protocol.CommValue
			switch v := d.Data[protocol.MIMECommValue].(type) {
			case *protocol.CommValue:
				cv = v
			case protocol.CommValue:
				cv = &v
			}
			if cv != nil && cv.Address == "#gonbui/sync" {
				if enc == nil {
					backW = <-back
					enc = gob.NewEncoder(backW)
				}
				_ = enc.Encode(&protocol.CommValue{Address: protocol.GonbuiSyncAckAddress, Value: cv.Value})
				continue
			}
			msgs <- d
		}
	}()

	c := NewLiveChart("loss", "epoch", "loss").LogY().Interval(20 * time.Millisecond)
	for ep := 1; ep <= 200; ep++ {
		c.Add("train", float64(ep), 1/float64(ep))
		if ep%50 == 0 {
			time.Sleep(40 * time.Millisecond)
		}
	}
	if err := c.Done(); err != nil {
		t.Fatal(err)
	}
	html := func(d *protocol.DisplayData) string { s, _ := d.Data[protocol.MIMETextHTML].(string); return s }
	var got []*protocol.DisplayData
	timeout := time.After(10 * time.Second)
	for len(got) == 0 || got[len(got)-1].DisplayID != "" {
		select {
		case d, ok := <-msgs:
			if !ok {
				t.Fatalf("pipe closed after %d messages", len(got))
			}
			got = append(got, d)
		case <-timeout:
			t.Fatalf("timeout: got %d messages", len(got))
		}
	}
	n := len(got)
	if n < 3 {
		t.Fatalf("want transient updates, a clear and the final chart; got %d messages", n)
	}
	id := got[0].DisplayID
	for _, d := range got[:n-2] {
		if d.DisplayID != id || id == "" || !strings.Contains(html(d), "data:image/png;base64,") {
			t.Fatalf("transient message: id %q (want %q), html %.60q", d.DisplayID, id, html(d))
		}
	}
	if got[n-2].DisplayID != id || html(got[n-2]) != "" {
		t.Errorf("transient block not cleared: id %q html %.60q", got[n-2].DisplayID, html(got[n-2]))
	}
	if got[n-1].DisplayID != "" || !strings.Contains(html(got[n-1]), "<svg") {
		t.Errorf("final chart: id %q html %.60q", got[n-1].DisplayID, html(got[n-1]))
	}

	// A plain Show is a permanent display too.
	x, y := sinData(10, 0)
	if err := Line("static", "", "").Add("a", x, y).Show(); err != nil {
		t.Fatal(err)
	}
	select {
	case d := <-msgs:
		if d.DisplayID != "" || !strings.Contains(html(d), "static") {
			t.Errorf("Show sent id %q html %.60q", d.DisplayID, html(d))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Show sent nothing")
	}
}
