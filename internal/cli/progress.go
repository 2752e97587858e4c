package cli

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// progress shows a bar on a terminal and nothing in pipes and logs.
type progress struct {
	p   *mpb.Progress
	bar *mpb.Bar
}

// newProgress returns a bar of total steps on w if w is a terminal, else a
// progress that does nothing. total < 0 means unknown.
func newProgress(w io.Writer, label string, total int64) *progress {
	f, ok := w.(*os.File)
	if !ok || !isatty.IsTerminal(f.Fd()) {
		return &progress{}
	}
	p := mpb.New(mpb.WithOutput(w), mpb.WithAutoRefresh())
	bar := p.AddBar(max(total, 0),
		mpb.PrependDecorators(decor.Name(label+" "), decor.CountersNoUnit("%d / %d")),
		mpb.AppendDecorators(decor.Percentage(), decor.Name(" "), decor.EwmaETA(decor.ET_STYLE_GO, 30)),
	)
	return &progress{p: p, bar: bar}
}

// Set records that steps [0, n] are done.
func (p *progress) Set(n int64) {
	if p.bar != nil {
		p.bar.SetCurrent(n + 1)
	}
}

// Done ends the bar.
func (p *progress) Done() {
	if p.bar == nil {
		return
	}
	p.bar.SetTotal(-1, true)
	p.p.Wait()
}
