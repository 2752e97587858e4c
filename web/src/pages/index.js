// The page registry: every page module, in the order of the navigation bar.
// Add a page with one import line and one entry in the array (web/README.md).
import map from './map.js';
import zones from './zones.js';
import zone from './zone.js';
import journal from './journal.js';

export default [
  map,
  zones,
  zone,
  journal,
];
