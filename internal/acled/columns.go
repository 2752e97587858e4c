// Package acled reads and writes conflict events as CSV with the columns of
// ACLED's export (the Armed Conflict Location & Event Data codebook), and
// maps ACLED's sub-event types to truce's incident types and back.
package acled

import (
	"strings"

	"github.com/truce-org/truce"
)

// Columns are ACLED's 31 export columns, in their order.
var Columns = []string{
	"event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
	"sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction",
	"civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
	"geo_precision", "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
}

// Older exports add these; they are read and kept, never written.
var extraColumns = []string{"data_id", "event_id_no_cnty", "iso3"}

// spellings maps other spellings of column names, once normalized (see
// normalize), to the codebook's: older exports, shapefile attribute names
// cut to 10 characters, and common hand-made headers.
var spellings = map[string]string{
	"event_id":           "event_id_cnty",
	"event_id_c":         "event_id_cnty",
	"eventid":            "event_id_cnty",
	"date":               "event_date",
	"time_preci":         "time_precision",
	"disorder_t":         "disorder_type",
	"sub_event_":         "sub_event_type",
	"subevent":           "sub_event_type",
	"assoc_acto":         "assoc_actor_1",
	"assoc_actor1":       "assoc_actor_1",
	"assoc_actor2":       "assoc_actor_2",
	"ally_actor_1":       "assoc_actor_1",
	"ally_actor_2":       "assoc_actor_2",
	"interactio":         "interaction",
	"civilian_t":         "civilian_targeting",
	"lat":                "latitude",
	"lon":                "longitude",
	"long":               "longitude",
	"lng":                "longitude",
	"geo_precis":         "geo_precision",
	"geo_precision_code": "geo_precision",
	"source_sca":         "source_scale",
	"fatalitie":          "fatalities",
	"event_id_n":         "event_id_no_cnty",
	"iso_3":              "iso3",
}

// normalize folds a header cell: no byte-order mark or spaces around it,
// lower case, spaces and dashes as underscores.
func normalize(h string) string {
	h = strings.TrimPrefix(h, "\ufeff")
	h = strings.ToLower(strings.TrimSpace(h))
	h = strings.NewReplacer(" ", "_", "-", "_").Replace(h)
	return h
}

// Canonical returns the codebook name of a header cell, and whether it is
// one truce reads (the 31 columns and the older extras).
func Canonical(h string) (string, bool) {
	n := normalize(h)
	if c, ok := spellings[n]; ok {
		n = c
	}
	for _, c := range Columns {
		if n == c {
			return c, true
		}
	}
	for _, c := range extraColumns {
		if n == c {
			return c, true
		}
	}
	return n, false
}

// TypeMapping is one row of the sub-event type table.
type TypeMapping struct {
	EventType    string
	SubEventType string
	Type         truce.IncidentType
}

// Types maps each of ACLED's sub-event types to a truce incident type. The
// first row of each truce type is the one an export writes for an incident
// that did not come from ACLED.
var Types = []TypeMapping{
	{"Battles", "Armed clash", truce.IncidentArmedClash},
	{"Battles", "Government regains territory", truce.IncidentTerritoryChange},
	{"Battles", "Non-state actor overtakes territory", truce.IncidentTerritoryChange},
	{"Explosions/Remote violence", "Air/drone strike", truce.IncidentAirStrike},
	{"Explosions/Remote violence", "Shelling/artillery/missile attack", truce.IncidentShelling},
	{"Explosions/Remote violence", "Remote explosive/landmine/IED", truce.IncidentRemoteExplosive},
	{"Explosions/Remote violence", "Chemical weapon", truce.IncidentRemoteExplosive},
	{"Explosions/Remote violence", "Suicide bomb", truce.IncidentSuicideBomb},
	{"Explosions/Remote violence", "Grenade", truce.IncidentGrenade},
	{"Violence against civilians", "Attack", truce.IncidentAttackOnCivilians},
	{"Violence against civilians", "Sexual violence", truce.IncidentAttackOnCivilians},
	{"Violence against civilians", "Abduction/forced disappearance", truce.IncidentAbduction},
	{"Protests", "Excessive force against protesters", truce.IncidentAttackOnCivilians},
	{"Protests", "Protest with intervention", truce.IncidentOther},
	{"Protests", "Peaceful protest", truce.IncidentOther},
	{"Riots", "Violent demonstration", truce.IncidentOther},
	{"Riots", "Mob violence", truce.IncidentOther},
	{"Strategic developments", "Looting/property destruction", truce.IncidentPropertyDestruction},
	{"Strategic developments", "Non-violent transfer of territory", truce.IncidentTerritoryChange},
	{"Strategic developments", "Headquarters or base established", truce.IncidentMovement},
	{"Strategic developments", "Other", truce.IncidentOther},
	{"Strategic developments", "Agreement", truce.IncidentOther},
	{"Strategic developments", "Arrests", truce.IncidentOther},
	{"Strategic developments", "Change to group/activity", truce.IncidentOther},
	{"Strategic developments", "Disrupted weapons use", truce.IncidentOther},
}

// exportOf overrides the first-row rule for types ACLED has no sub-event
// type of its own for.
var exportOf = map[truce.IncidentType]TypeMapping{
	truce.IncidentOverflight: {"Strategic developments", "Other", truce.IncidentOverflight},
	truce.IncidentMovement:   {"Strategic developments", "Headquarters or base established", truce.IncidentMovement},
}

func fold(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// byFolded indexes Types by folded sub-event type.
var byFolded = func() map[string]TypeMapping {
	m := map[string]TypeMapping{}
	for _, t := range Types {
		m[fold(t.SubEventType)] = t
	}
	return m
}()

// byExact indexes Types by sub-event type as the codebook writes it.
var byExact = func() map[string]TypeMapping {
	m := map[string]TypeMapping{}
	for _, t := range Types {
		m[t.SubEventType] = t
	}
	return m
}()

func lookupSub(s string) (TypeMapping, bool) {
	if m, ok := byExact[s]; ok {
		return m, true
	}
	m, ok := byFolded[fold(s)]
	return m, ok
}

// TypeOf maps a sub-event type (any case and spacing) to an incident type.
func TypeOf(subEventType string) (truce.IncidentType, bool) {
	m, ok := lookupSub(subEventType)
	return m.Type, ok
}

// SubEventOf returns the event type and sub-event type an export writes
// for an incident type.
func SubEventOf(t truce.IncidentType) (eventType, subEventType string) {
	if m, ok := exportOf[t]; ok {
		return m.EventType, m.SubEventType
	}
	for _, m := range Types {
		if m.Type == t {
			return m.EventType, m.SubEventType
		}
	}
	return "Strategic developments", "Other"
}

// EventTypeOf returns the event type of a sub-event type, "" if unknown.
func EventTypeOf(subEventType string) string {
	m, _ := lookupSub(subEventType)
	return m.EventType
}
