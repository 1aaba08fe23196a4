//go:build !unix

package sweep

import (
	"os"
	"os/exec"
)

func ownProcessGroup(*exec.Cmd) {}

// interrupt stops the task: without Unix signals it cannot save its checkpoint first.
func interrupt(p *os.Process) error { return p.Kill() }
