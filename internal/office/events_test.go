package office_test

import (
	"testing"

	"github.com/truce-org/truce/internal/office"
)

func TestHubDropsSlowSubscribers(t *testing.T) {
	h := office.NewHub(2)
	h.Started(10) // indexes 0..9 were there before
	slow, last := h.Subscribe()
	if last != 9 {
		t.Fatalf("last published %d, want 9", last)
	}
	fast, _ := h.Subscribe()
	got := make(chan []int64)
	go func() {
		var idx []int64
		for ev := range fast.C {
			idx = append(idx, ev.Index)
		}
		got <- idx
	}()
	h.Publish([]office.Event{{Index: 5}, {Index: 10}, {Index: 11}})
	h.Publish([]office.Event{{Index: 11}, {Index: 12}})
	// The slow one took two and was dropped at the third: its channel is
	// closed after the two it holds.
	var n int
	for range slow.C {
		n++
	}
	if n != 2 {
		t.Fatalf("slow subscriber got %d events before being dropped, want 2", n)
	}
	fast.Cancel()
	if idx := <-got; len(idx) < 2 || idx[0] != 10 || idx[1] != 11 {
		t.Fatalf("fast subscriber got %v, want 10, 11 (12 if it kept up): events at or before the last are ignored", idx)
	}
	slow.Cancel() // cancelling a dropped subscription is harmless
}
