// The page registry: every page module, in the order of the navigation bar.
// Add a page with one import line and one entry in the array (web/README.md).
import map from './map.js';
import zones from './zones.js';
import zone from './zone.js';
import journal from './journal.js';
import incidents, { incidentPage } from './incidents.js';
import notices, { noticePage } from './notices.js';
import deconflict from './deconflict.js';
import actors, { actorPage } from './actors.js';
import commitments, { commitmentPage } from './commitments.js';
import steps, { stepPage } from './steps.js';
import reports, { reportPage } from './reports.js';
import rfis, { rfiPage } from './rfis.js';
import stats from './stats.js';

export default [
  map,
  zones,
  zone,
  journal,
  incidents,
  incidentPage,
  notices,
  noticePage,
  deconflict,
  actors,
  actorPage,
  commitments,
  commitmentPage,
  steps,
  stepPage,
  reports,
  reportPage,
  rfis,
  rfiPage,
  stats,
];
