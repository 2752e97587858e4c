package geo_test

import (
	"errors"
	"fmt"

	"github.com/truce-org/truce/internal/geo"
)

func ExampleParse() {
	zone, err := geo.ParsePolygonal([]byte(`{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37.01,36.01],[37,36.01],[37,36]]]}`), geo.Limits{})
	if err != nil {
		panic(err)
	}
	fmt.Println(zone.Type(), zone.Vertices(), zone.Bound())

	_, err = geo.Parse([]byte(`{"type":"Polygon","coordinates":[[[37,36],[37.01,36.01],[37.01,36],[37,36.01],[37,36]]]}`), geo.Limits{})
	var ve *geo.ValidationError
	if errors.As(err, &ve) {
		fmt.Println(ve.Path)
		fmt.Println(ve.Reason)
	}
	// Output:
	// Polygon 5 {37 36 37.01 36.01}
	// coordinates[0][2]
	// ring crosses or touches itself: the edge from position 2 to 3 meets the edge from position 0 to 1 near [37.005, 36.005]; a ring must not cross or touch itself
}

func ExampleWithin() {
	zone, _ := geo.Parse([]byte(`{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37.01,36.01],[37,36.01],[37,36]]]}`), geo.Limits{})
	// A point due east of the zone's eastern edge.
	pt, _ := geo.NewPoint(37.02, 36.005)
	d := geo.Distance(37.01, 36.005, 37.02, 36.005)
	fmt.Printf("about %.0f m away\n", d)
	fmt.Println(geo.Intersects(zone, pt), geo.Within(zone, pt, 800), geo.Within(zone, pt, 1000))
	// Output:
	// about 902 m away
	// false false true
}

func ExampleIndex() {
	var ix geo.Index[string]
	zone, _ := geo.Parse([]byte(`{"type":"Polygon","coordinates":[[[37,36],[37.01,36],[37.01,36.01],[37,36.01],[37,36]]]}`), geo.Limits{})
	ix.Insert("hospital", zone, 500) // the zone protects 500 m around itself
	check, _ := geo.NewPoint(37.02, 36.005)
	ix.Search(check, 450, func(key string) bool { // 902 m ≤ 500 + 450
		fmt.Println("conflict with", key)
		return true
	})
	// Output:
	// conflict with hospital
}
