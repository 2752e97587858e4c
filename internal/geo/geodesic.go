package geo

import "math"

// WGS84 ellipsoid.
const (
	wgs84A  = 6378137.0
	wgs84F  = 1 / 298.257223563
	wgs84B  = wgs84A * (1 - wgs84F)
	wgs84E2 = wgs84F * (2 - wgs84F) // first eccentricity squared

	rad = math.Pi / 180

	// minMetresPerDegLat is the shortest length of one degree of latitude on
	// WGS84 (at the equator, M(0)·π/180 = 110,574.27 m), rounded down: a path
	// of length d changes latitude by at most d/minMetresPerDegLat degrees.
	minMetresPerDegLat = 110574.0
	// minMetresPerDegLonEquator is a·π/180 (111,319.49 m) rounded down: a path
	// of length d at latitudes up to φ changes longitude by at most
	// d/(minMetresPerDegLonEquator·cos φ) degrees, because N(φ) ≥ a.
	minMetresPerDegLonEquator = 111319.0
)

// Distance returns the geodesic distance in metres between two points on the
// WGS84 ellipsoid, given in degrees.
//
// It uses Vincenty's inverse formula (1975), iterated until the longitude on
// the auxiliary sphere changes by less than 1e-12 rad. Vincenty's iteration
// does not converge for some nearly antipodal points (the geodesic is then
// longer than about 19,900 km); there Distance falls back to minimising
// Vincenty(p, m) + Vincenty(m, q) over an intermediate point m, which equals the
// distance when m lies on the shortest geodesic.
//
// Error bound: below 0.1 mm against the 20 GeodTest lines of Karney's
// GeographicLib test set (worst 3e-5 m, lines of 2,300 to 17,300 km) and
// against numerically integrated geodesics of 1 m to 100 km (worst 6e-6 m);
// on GeographicLib's nearly antipodal regression cases, within their
// published precision (0.5 mm), the fallback included. TestDistanceReference
// (testdata/geodesic.txt) and TestDistanceShortLines assert these bounds. NaN
// inputs give NaN.
func Distance(lon1, lat1, lon2, lat2 float64) float64 {
	if s, _, ok := vincenty(lon1, lat1, lon2, lat2); ok {
		return s
	}
	if math.IsNaN(lon1) || math.IsNaN(lat1) || math.IsNaN(lon2) || math.IsNaN(lat2) {
		return math.NaN()
	}
	return twoLegDistance(lon1, lat1, lon2, lat2)
}

// vincenty solves the inverse geodesic problem with Vincenty's iteration,
// returning the distance and the azimuth at the first point (radians,
// clockwise from north). ok is false when the iteration fails to converge
// (nearly antipodal points).
func vincenty(lon1, lat1, lon2, lat2 float64) (s, az1 float64, ok bool) {
	L := math.Remainder(lon2-lon1, 360) * rad
	tanU1 := (1 - wgs84F) * math.Tan(lat1*rad)
	tanU2 := (1 - wgs84F) * math.Tan(lat2*rad)
	cosU1 := 1 / math.Sqrt(1+tanU1*tanU1)
	sinU1 := tanU1 * cosU1
	cosU2 := 1 / math.Sqrt(1+tanU2*tanU2)
	sinU2 := tanU2 * cosU2
	// At the poles tan overflows to ±Inf (or a huge value); fix up exactly.
	if math.Abs(lat1) == 90 {
		cosU1, sinU1 = 0, math.Copysign(1, lat1)
	}
	if math.Abs(lat2) == 90 {
		cosU2, sinU2 = 0, math.Copysign(1, lat2)
	}

	lambda := L
	var sinSigma, cosSigma, sigma, cosSqAlpha, cos2SigmaM float64
	converged := false
	for range 200 {
		sinL, cosL := math.Sincos(lambda)
		t1 := cosU2 * sinL
		t2 := cosU1*sinU2 - sinU1*cosU2*cosL
		sinSigma = math.Sqrt(t1*t1 + t2*t2)
		cosSigma = sinU1*sinU2 + cosU1*cosU2*cosL
		if sinSigma == 0 {
			if cosSigma > 0 {
				return 0, 0, true // coincident points
			}
			return 0, 0, false // antipodal
		}
		sigma = math.Atan2(sinSigma, cosSigma)
		sinAlpha := cosU1 * cosU2 * sinL / sinSigma
		cosSqAlpha = 1 - sinAlpha*sinAlpha
		if cosSqAlpha != 0 {
			cos2SigmaM = cosSigma - 2*sinU1*sinU2/cosSqAlpha
		} else {
			cos2SigmaM = 0 // equatorial line
		}
		C := wgs84F / 16 * cosSqAlpha * (4 + wgs84F*(4-3*cosSqAlpha))
		prev := lambda
		lambda = L + (1-C)*wgs84F*sinAlpha*
			(sigma+C*sinSigma*(cos2SigmaM+C*cosSigma*(-1+2*cos2SigmaM*cos2SigmaM)))
		if math.IsNaN(lambda) || math.Abs(lambda) > math.Pi {
			return 0, 0, false
		}
		if math.Abs(lambda-prev) <= 1e-12 {
			converged = true
			break
		}
	}
	if !converged {
		return 0, 0, false
	}
	sinL, cosL := math.Sincos(lambda)
	az1 = math.Atan2(cosU2*sinL, cosU1*sinU2-sinU1*cosU2*cosL)
	uSq := cosSqAlpha * (wgs84A*wgs84A - wgs84B*wgs84B) / (wgs84B * wgs84B)
	A := 1 + uSq/16384*(4096+uSq*(-768+uSq*(320-175*uSq)))
	B := uSq / 1024 * (256 + uSq*(-128+uSq*(74-47*uSq)))
	c2 := cos2SigmaM * cos2SigmaM
	deltaSigma := B * sinSigma * (cos2SigmaM + B/4*(cosSigma*(-1+2*c2)-
		B/6*cos2SigmaM*(-3+4*sinSigma*sinSigma)*(-3+4*c2)))
	return wgs84B * A * (sigma - deltaSigma), az1, true
}

// twoLegDistance is the fallback for nearly antipodal points: the minimum over
// m of vincenty(p, m) + vincenty(m, q). Each leg is about half the antipodal
// distance, where Vincenty converges; the sum is never below the distance and
// equals it for m on the shortest geodesic, so a minimiser finds it.
func twoLegDistance(lon1, lat1, lon2, lat2 float64) float64 {
	f := func(lon, lat float64) float64 {
		if lat > 90 {
			lat = 180 - lat
			lon += 180
		} else if lat < -90 {
			lat = -180 - lat
			lon += 180
		}
		s1, _, ok1 := vincenty(lon1, lat1, lon, lat)
		s2, _, ok2 := vincenty(lon, lat, lon2, lat2)
		if !ok1 || !ok2 {
			return math.Inf(1)
		}
		return s1 + s2
	}
	// Coarse search: the shortest geodesic between nearly antipodal points
	// runs east, west or over a pole; this grid meets each of those routes.
	bestLon, bestLat, best := 0.0, 0.0, math.Inf(1)
	for lat := -90.0; lat <= 90; lat += 7.5 {
		for dl := -165.0; dl <= 180; dl += 15 {
			lon := lon1 + dl
			if v := f(lon, lat); v < best {
				bestLon, bestLat, best = lon, lat, v
			}
		}
	}
	// Nelder–Mead polish from the best grid point.
	type vertex struct{ x, y, v float64 }
	step := 5.0
	s := [3]vertex{
		{bestLon, bestLat, best},
		{bestLon + step, bestLat, f(bestLon+step, bestLat)},
		{bestLon, bestLat + step, f(bestLon, bestLat+step)},
	}
	for range 2000 {
		// sort by value
		if s[1].v < s[0].v {
			s[0], s[1] = s[1], s[0]
		}
		if s[2].v < s[1].v {
			s[1], s[2] = s[2], s[1]
		}
		if s[1].v < s[0].v {
			s[0], s[1] = s[1], s[0]
		}
		if s[2].v-s[0].v < 1e-7 && math.Abs(s[2].x-s[0].x)+math.Abs(s[2].y-s[0].y) < 1e-10 {
			break
		}
		cx, cy := (s[0].x+s[1].x)/2, (s[0].y+s[1].y)/2
		rx, ry := 2*cx-s[2].x, 2*cy-s[2].y
		rv := f(rx, ry)
		switch {
		case rv < s[0].v:
			ex, ey := 3*cx-2*s[2].x, 3*cy-2*s[2].y
			if ev := f(ex, ey); ev < rv {
				s[2] = vertex{ex, ey, ev}
			} else {
				s[2] = vertex{rx, ry, rv}
			}
		case rv < s[1].v:
			s[2] = vertex{rx, ry, rv}
		default:
			kx, ky := (cx+s[2].x)/2, (cy+s[2].y)/2
			if kv := f(kx, ky); kv < s[2].v {
				s[2] = vertex{kx, ky, kv}
			} else {
				for i := 1; i < 3; i++ {
					s[i].x = (s[i].x + s[0].x) / 2
					s[i].y = (s[i].y + s[0].y) / 2
					s[i].v = f(s[i].x, s[i].y)
				}
			}
		}
	}
	return min(s[0].v, s[1].v, s[2].v)
}

// meridianRadius is M(φ), the radius of curvature in the meridian, in metres.
func meridianRadius(latDeg float64) float64 {
	s := math.Sin(latDeg * rad)
	w := 1 - wgs84E2*s*s
	return wgs84A * (1 - wgs84E2) / (w * math.Sqrt(w))
}

// parallelRadius is N(φ)·cos φ, the radius of the parallel, in metres.
func parallelRadius(latDeg float64) float64 {
	s, c := math.Sincos(latDeg * rad)
	if math.Abs(latDeg) >= 90 {
		return 0
	}
	return wgs84A * c / math.Sqrt(1-wgs84E2*s*s)
}

// proj is the local affine projection around (lon0, lat0):
// x = (λ−λ0)·N0·cos φ0, y = (φ−φ0)·M0, in metres. Straight lon/lat edges stay
// straight. Along any path the true length is between kmin and kmax times the
// projected length, where kmin and kmax bound the ratios M(φ)/M0 and
// N(φ)cos φ/(N0 cos φ0) over the path's latitudes (the ratio of two diagonal
// metrics lies between the ratios of their diagonal terms). So for a range of
// latitudes containing a geodesic of length s between p and q,
// kmin·|P(p)−P(q)| ≤ s, and for p, q in the range s ≤ kmax·|P(p)−P(q)|.
type proj struct {
	lon0, lat0 float64
	kx, ky     float64 // metres per degree of longitude and of latitude at lat0
}

func newProj(lon0, lat0 float64) proj {
	return proj{
		lon0: lon0, lat0: lat0,
		kx: parallelRadius(lat0) * rad,
		ky: meridianRadius(lat0) * rad,
	}
}

// scale returns kmin and kmax for latitudes in [lo, hi] (degrees), widened by
// a relative 1e-9 to absorb rounding. kmin may be 0 (a pole in range).
func (p proj) scale(lo, hi float64) (kmin, kmax float64) {
	lo, hi = max(lo, -90), min(hi, 90)
	var minAbs, maxAbs float64
	if lo <= 0 && hi >= 0 {
		minAbs = 0
	} else {
		minAbs = min(math.Abs(lo), math.Abs(hi))
	}
	maxAbs = max(math.Abs(lo), math.Abs(hi))
	// M grows with |φ|, N·cos φ shrinks (d(N cos φ)/dφ = −M sin φ).
	rM := func(phi float64) float64 { return meridianRadius(phi) * rad / p.ky }
	rN := func(phi float64) float64 { return parallelRadius(phi) * rad / p.kx }
	kmin = min(rM(minAbs), rN(maxAbs)) * (1 - 1e-9)
	kmax = max(rM(maxAbs), rN(minAbs)) * (1 + 1e-9)
	return kmin, kmax
}
