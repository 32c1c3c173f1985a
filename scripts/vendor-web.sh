#!/bin/sh
# Re-copy the page's front-end libraries from npm into arena/web/vendor/, unmodified.
#
# The versions are pinned exactly in scripts/package.json and locked (with their integrity
# hashes) in scripts/package-lock.json; `npm ci` installs exactly those. Only the files the
# page loads are copied, each with its licence: KaTeX's script, stylesheet and woff2 fonts,
# highlight.js's "common languages" build and one light and one dark theme.
#
# Usage (from anywhere): scripts/vendor-web.sh    then commit arena/web/vendor/.
# To update: change a version in scripts/package.json, `npm install --save-exact` in
# scripts/, run this, and check the page (tests/browser/test_math_code.py).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
web="$here/../arena/web/vendor"
cd "$here"
npm ci --no-audit --no-fund --silent
katex=node_modules/katex
hljs=node_modules/@highlightjs/cdn-assets
rm -rf "$web"
mkdir -p "$web/katex/fonts" "$web/highlight"
cp "$katex/dist/katex.min.js" "$katex/dist/katex.min.css" "$katex/LICENSE" "$web/katex/"
cp "$katex"/dist/fonts/*.woff2 "$web/katex/fonts/"
cp "$hljs/highlight.min.js" "$hljs/LICENSE" "$hljs/styles/github.min.css" \
   "$hljs/styles/github-dark.min.css" "$web/highlight/"
node -e 'for (const p of ["katex", "@highlightjs/cdn-assets"]) {
  const j = require(`./node_modules/${p}/package.json`);
  console.log(`${j.name} ${j.version} (${j.license})`);
}' > "$web/VERSIONS"
cat "$web/VERSIONS"
