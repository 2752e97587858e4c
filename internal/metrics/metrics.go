// Package metrics defines truce's Prometheus metrics on a registry passed in
// (no global registration), so tests and several servers in one process do
// not collide.
package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics holds the collectors the server updates.
type Metrics struct {
	Registry        *prometheus.Registry
	Requests        *prometheus.CounterVec
	RequestDuration *prometheus.HistogramVec
	JournalSize     prometheus.Gauge
	AppendBatch     prometheus.Histogram
	AppendLatency   prometheus.Histogram
}

// New registers truce's collectors, and the Go and process collectors, on a
// new registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		Requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "truce_http_requests_total", Help: "HTTP requests by route pattern and status code.",
		}, []string{"route", "code"}),
		RequestDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "truce_http_request_duration_seconds", Help: "HTTP request latency by route pattern.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
		}, []string{"route"}),
		JournalSize: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "truce_journal_size", Help: "Entries in the journal.",
		}),
		AppendBatch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "truce_journal_append_batch_entries", Help: "Entries per group-committed append transaction.",
			Buckets: prometheus.ExponentialBuckets(1, 2, 12),
		}),
		AppendLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "truce_journal_append_seconds", Help: "Time to write and commit one append batch.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 16),
		}),
	}
	reg.MustRegister(m.Requests, m.RequestDuration, m.JournalSize, m.AppendBatch, m.AppendLatency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// ObserveAppend records one committed batch.
func (m *Metrics) ObserveAppend(entries int, took time.Duration, size int64) {
	m.AppendBatch.Observe(float64(entries))
	m.AppendLatency.Observe(took.Seconds())
	m.JournalSize.Set(float64(size))
}
