package sqlite

import (
	"strconv"

	"github.com/truce-org/truce/internal/store"
)

// Point incidents (most: an ACLED event is a point) are found by place
// through a plain index on a grid cell rather than the R*Tree, which only
// holds the others (see migration 00008). An R*Tree insert cost five times
// an index entry's, and an import writes a million of them.
//
// A cell is a band of latitude and a band of longitude, cellsPerDegree to
// the degree: cell = lat band << 13 | lon band. The incidents meeting a box
// are those of the cells in the box's bands, one range of cells per
// latitude band, then the exact test on the rows' own columns. The ranges
// reach one band further each way, so that a point whose cell SQLite's
// arithmetic (migration 00008) put one band over is still found.
const (
	cellsPerDegree = 20
	latBands       = 180 * cellsPerDegree
	lonBands       = 360 * cellsPerDegree // < 1 << 13
	// maxCellRanges bounds a query's ranges: a box taller than that many
	// bands is read as one range of whole bands.
	maxCellRanges = 64
)

func band(v, lo float64, n int64) int64 {
	return min(max(int64((v-lo)*cellsPerDegree), 0), n-1)
}

// cellOf is the grid cell of the incident whose box is b if it is a point,
// else nil (the R*Tree holds it).
func cellOf(b [4]float64) any {
	if b[0] != b[2] || b[1] != b[3] {
		return nil
	}
	return band(b[1], -90, latBands)<<13 | band(b[0], -180, lonBands)
}

// cellRanges are the ranges of cells holding the points that may meet b,
// as a JSON array of [first, last] pairs for json_each.
func cellRanges(b store.Box) string {
	y0, y1 := max(band(b[1], -90, latBands)-1, 0), min(band(b[3], -90, latBands)+1, latBands-1)
	x0, x1 := max(band(b[0], -180, lonBands)-1, 0), min(band(b[2], -180, lonBands)+1, lonBands-1)
	out := make([]byte, 0, 32*min(y1-y0+1, maxCellRanges))
	add := func(first, last int64) {
		if len(out) == 0 {
			out = append(out, '[')
		} else {
			out = append(out, ',')
		}
		out = append(out, '[')
		out = strconv.AppendInt(out, first, 10)
		out = append(out, ',')
		out = strconv.AppendInt(out, last, 10)
		out = append(out, ']')
	}
	if y1-y0+1 > maxCellRanges {
		add(y0<<13, y1<<13|(1<<13-1))
	} else {
		for y := y0; y <= y1; y++ {
			add(y<<13|x0, y<<13|x1)
		}
	}
	return string(append(out, ']'))
}
