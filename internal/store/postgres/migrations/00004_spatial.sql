-- +goose Up
-- GiST indexes over the boxes of zones and incidents (plain PostgreSQL
-- boxes, no PostGIS), so the fold finds the zones an incident may meet and
-- the incidents a zone's change may touch without reading every row.
CREATE INDEX zones_box ON zones USING gist (box(point(min_lon, min_lat), point(max_lon, max_lat)));
CREATE INDEX incidents_box ON incidents USING gist (box(point(min_lon, min_lat), point(max_lon, max_lat)));

-- +goose Down
DROP INDEX incidents_box;
DROP INDEX zones_box;
