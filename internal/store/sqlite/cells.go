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
// the degree: cell = lat band << 16 | lon band. The incidents meeting a box
// are those of the cells in the box's bands, one range of cells per
// latitude band, then the exact test on the rows' own columns. Migration
// 00008's SQL computes the cells of the points already stored with the
// same float64 arithmetic as cellOf (TestMigrateCells).
const (
	cellsPerDegree = 100
	latBands       = 180 * cellsPerDegree
	lonBands       = 360 * cellsPerDegree // < 1 << 16
	// maxCellRanges bounds a query's ranges (one index search each): a box
	// taller than that many bands is read as one range of whole bands.
	maxCellRanges = 512
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
	return band(b[1], -90, latBands)<<16 | band(b[0], -180, lonBands)
}

// cellRanges are the ranges of cells holding the points that may meet b,
// as a JSON array of [first, last] pairs for json_each.
func cellRanges(b store.Box) string {
	y0, y1 := band(b[1], -90, latBands), band(b[3], -90, latBands)
	x0, x1 := band(b[0], -180, lonBands), band(b[2], -180, lonBands)
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
		add(y0<<16, y1<<16|(1<<16-1))
	} else {
		for y := y0; y <= y1; y++ {
			add(y<<16|x0, y<<16|x1)
		}
	}
	return string(append(out, ']'))
}
