//go:build unix

package sweep

import (
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the task in a process group of its own, so that a terminal's Ctrl-C reaches
// only the sweep, which interrupts each task once (a second interrupt would stop a task without
// its checkpoint).
func ownProcessGroup(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }

// interrupt asks the task to save its checkpoint and stop.
func interrupt(p *os.Process) error { return p.Signal(os.Interrupt) }
