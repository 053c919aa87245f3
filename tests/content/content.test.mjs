// Entry point picked up by `node --test tests/content/` (node 20 only discovers
// files named *.test.mjs, test-*.mjs, etc.). The checks live in check_content.mjs,
// which can also be run directly: node --test tests/content/check_content.mjs
import './check_content.mjs';
