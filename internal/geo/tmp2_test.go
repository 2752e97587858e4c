package geo
import ("testing";"fmt";"math/rand/v2")
func TestTmpCount(t *testing.T){
 rng := rand.New(rand.NewPCG(100000, 7))
 zs := benchZones(rng, 100000); qs := benchQueries(rng, 200)
 ix := new(Index[int]); for i,z := range zs { ix.Insert(i, z, 0) }
 for _, buf := range []float64{0, 1000} {
 var cnt [3]int; fv, hits := 0, 0
 for _, q := range qs {
   qbuf := buf+Tolerance
   qmin, qmax := widen(q.s.box, qbuf); p := prepare(q.s, qbuf)
   ix.tree.Search(qmin, qmax, func(emin, emax [2]float64, e entry[int]) bool { c := p.classifyRect(emin,emax,qbuf); cnt[c+1]++
      if c == 0 && p.covers(e.x0,e.y0) { fv++ }; return true })
   ix.Search(q, buf, func(int) bool { hits++; return true })
 }
 fmt.Println(buf, "reject/undecided/accept per q", float64(cnt[0])/200, float64(cnt[1])/200, float64(cnt[2])/200, "fv among undecided", float64(fv)/200, "hits", float64(hits)/200)
 }
}
