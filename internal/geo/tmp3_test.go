package geo
import ("testing")
func BenchmarkTmpWarm(b *testing.B){
 s := getBenchSet(b, 100_000); i:=0; n:=0
 for b.Loop() { q := s.queries[(i/8)%len(s.queries)]; s.ix.Search(q, 0, func(int) bool { n++; return true }); i++ }
}
func BenchmarkTmpPrepare(b *testing.B){
 s := getBenchSet(b, 100_000); i:=0
 for b.Loop() { q := s.queries[i%len(s.queries)]; prepare(q.s, Tolerance); i++ }
}
