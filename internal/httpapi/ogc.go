package httpapi

import "github.com/truce-org/truce/internal/ogc"

// ogcRoutes mounts the OGC API – Features (internal/ogc) under /ogc as
// routes of this server, so they share its authentication (the same
// bearer tokens), metrics and error answers.
func (s *Server) ogcRoutes() []Route {
	h := ogc.New(s.office, ogc.Config{})
	var out []Route
	for _, rt := range h.Routes() {
		access := Member
		if rt.Public {
			access = Public
		}
		out = append(out, Route{rt.Method, rt.Pattern, access, rt.Handle})
	}
	return out
}
