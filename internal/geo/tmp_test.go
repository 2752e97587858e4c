package geo
import ("testing";"fmt";"math/rand/v2";"time")
func TestTmp(t *testing.T){
 rng := rand.New(rand.NewPCG(1,2))
 start := time.Now()
 n:=20000
 for range n { MustParse(t, starPolygon(rng, 37, 36, 500, 22)) }
 fmt.Println("parse per zone", time.Since(start)/time.Duration(n))
 bad := 0
 for i := range 300 {
   a := MustParse(t, randomGeometry(rng, 37, 36, 1000))
   x, y := offset(37, 36, rng.Float64()*3000-1500, rng.Float64()*3000-1500)
   b := MustParse(t, randomGeometry(rng, x, y, 1000))
   D := refDistance(a, b)
   for _, m := range []float64{D - 1, D - 0.012, D - 0.008, D + 0.5} {
     if m < 0 { continue }
     got := Within(a, b, m); got2 := Within(b, a, m)
     want := D <= m + Tolerance
     if got != want || got2 != want { bad++; fmt.Println(i, a.Type(), b.Type(), D, m, got, got2, want) }
   }
 }
 fmt.Println("bad", bad)
}
