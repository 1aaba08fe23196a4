package plotting

import (
	"time"

	"github.com/janpfeifer/gonb/gonbui"
)

// displayer abstracts the notebook front-end (GoNB), so that tests can record
// what would be displayed.
type displayer interface {
	IsNotebook() bool
	DisplayHTML(html string)
	// UpdateHTML creates (first call) or replaces the transient output block with the given id.
	UpdateHTML(id, html string)
	UniqueID() string
	Err() error
	// Sync waits until GoNB has received everything sent so far, so that output displayed just
	// before a cell's program exits is not lost.
	Sync()
}

type gonbDisplay struct{}

func (gonbDisplay) IsNotebook() bool           { return gonbui.IsNotebook }
func (gonbDisplay) DisplayHTML(html string)    { gonbui.DisplayHTML(html) }
func (gonbDisplay) UpdateHTML(id, html string) { gonbui.UpdateHTML(id, html) }
func (gonbDisplay) UniqueID() string           { return gonbui.UniqueId() }
func (gonbDisplay) Err() error                 { return gonbui.Error() }

// Sync waits (at most syncTimeout) for GoNB to acknowledge everything sent so far.
func (gonbDisplay) Sync() {
	done := make(chan struct{})
	go func() {
		gonbui.Sync()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(syncTimeout):
	}
}

// syncTimeout bounds the wait for GoNB's acknowledgement of displayed output.
const syncTimeout = 5 * time.Second

// display is the front-end in use; tests replace it.
var display displayer = gonbDisplay{}
