// main.js is the bundle's entry point: the shell with the page registry.
import { start } from './app.js';
import pages from './pages/index.js';

start(pages);
