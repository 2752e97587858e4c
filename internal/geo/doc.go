// Package geo parses and validates GeoJSON geometries and answers the
// questions deconfliction asks of them: do two geometries intersect, are they
// within a distance of each other, and which indexed zones are within their
// buffers of a query.
//
// # Model
//
// Geometries are RFC 7946 GeoJSON: positions are [longitude, latitude] (an
// optional altitude is kept but ignored) on WGS84, and edges are straight
// lines in longitude/latitude. Parse validates with simplefeatures (OGC
// validity) and checks what simplefeatures leaves to its callers: ranges,
// position sizes, vertex limits, empty parts and edges crossing the
// antimeridian, which are rejected with advice to split the geometry at ±180°
// as RFC 7946 §3.1.9 asks. Every rejection is a *ValidationError naming the
// reason and the path, such as "coordinates[0][3]".
//
// # Predicates
//
// Boundaries count: geometries that touch intersect, and so do geometries
// closer than Tolerance (1 cm), because a point entered "on" an edge in
// decimal is rarely on it in binary. Within measures the geodesic distance on
// the WGS84 ellipsoid between the nearest points of two geometries, with
// interiors of polygons included, so a check inside a zone is at distance 0.
// A zone's buffer and a check's buffer add up: Index.Search finds the zones
// within buffer(zone) + buffer(check) of the check.
//
// Error bounds: Distance (Vincenty's inverse, with a fallback for nearly
// antipodal points) is within 0.1 mm of Karney's reference values (0.5 mm
// for nearly antipodal points). Within(a, b, m) is true whenever the distance
// is at most m + 1 cm and false whenever it exceeds m + 1 cm + 1 mm, the 1 mm
// covering Distance and the minimisation that settles borderline pairs
// (tested for separations up to 100 km). Containment tests in
// longitude/latitude use exact orientation predicates.
//
// # Method
//
// Following the recipe in REFERENCE.md: candidates come from an R-tree
// (tidwall/rtree) over boxes widened by each zone's buffer; a candidate whose
// first vertex lies in the query is a hit (for a polygon query, an exact
// point-in-polygon test over the edges of one latitude band of it); one whose
// box lies wholly inside the query, or wholly too far from it, is decided
// from the box; otherwise the two geometries are projected affinely around
// the query, where the true length of any path is between kmin and kmax times
// its projected length (bounds from the WGS84 radii of curvature over the
// latitudes a geodesic of the given length can reach). Pairs of edges
// projected closer than d/kmax are hits and pairs farther than d/kmin are
// misses; the few in between are settled by minimising the ellipsoidal
// distance between the two edges.
package geo
