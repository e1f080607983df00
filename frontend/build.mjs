// Builds the vendored front-end assets in workbench/static/ from the pinned npm
// packages in frontend/node_modules.
//
//   npm --prefix frontend ci && npm --prefix frontend run build
//
// Outputs (all committed, so the Python app needs no npm at install time):
//   workbench/static/css/app.css                  compiled frontend/src/app.scss
//   workbench/static/js/app.js                    frontend/src/app.js, versions filled in
//   workbench/static/js/body-classes.js           frontend/src/body-classes.js
//   workbench/static/vendor/                      owned by this script, recreated on every run:
//     govuk-frontend-<v>.min.js, moj-frontend-<v>.min.js, htmx-<v>.min.js
//     images/                                     images the CSS uses + GOV.UK favicons/icons
//     THIRD-PARTY-NOTICES.txt
//
// The build is deterministic: same lockfile, same bytes (no timestamps, sorted
// listings). It fails if the CSS contains @font-face/GDS Transport, a url()
// that is not one of the copied images, or an absolute http(s) URL.

import { createHash } from 'node:crypto'
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

const frontendDir = dirname(fileURLToPath(import.meta.url))
const repoDir = dirname(frontendDir)
const srcDir = join(frontendDir, 'src')
const modulesDir = join(frontendDir, 'node_modules')
const staticDir = join(repoDir, 'workbench', 'static')
const vendorDir = join(staticDir, 'vendor')
const imagesDir = join(vendorDir, 'images')

// URL prefix under which workbench/static/ is served; must match app.scss.
const STATIC_URL = '/static/'
const IMAGES_URL = `${STATIC_URL}vendor/images/`

const govukDist = join(modulesDir, 'govuk-frontend', 'dist', 'govuk')
const mojDist = join(modulesDir, '@ministryofjustice', 'frontend', 'moj')
const htmxDist = join(modulesDir, 'htmx.org', 'dist')

// GOV.UK images referenced from templates rather than CSS (favicons, touch
// icons). Images referenced from the CSS are found by scanning the CSS.
// Not copied: fonts (GDS Transport is for GOV.UK only) and the Open Graph image.
const GOVUK_TEMPLATE_IMAGES = [
  'favicon.ico',
  'favicon.svg',
  'govuk-icon-180.png',
  'govuk-icon-192.png',
  'govuk-icon-512.png',
  'govuk-icon-mask.svg'
]

function fail (message) {
  console.error(`build: ${message}`)
  process.exit(1)
}

function readJson (path) {
  return JSON.parse(readFileSync(path, 'utf8'))
}

function write (path, contents) {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, contents)
}

// --- 1. Check node_modules matches the exact versions in package.json --------

const manifest = readJson(join(frontendDir, 'package.json'))
const pinned = { ...manifest.dependencies, ...manifest.devDependencies }
const installed = {}
for (const [name, wanted] of Object.entries(pinned)) {
  if (!/^\d+\.\d+\.\d+$/.test(wanted)) {
    fail(`${name} must be pinned to an exact version in package.json, found "${wanted}"`)
  }
  let version
  try {
    version = readJson(join(modulesDir, name, 'package.json')).version
  } catch {
    fail(`${name} is not installed: run npm --prefix frontend ci`)
  }
  if (version !== wanted) {
    fail(`${name} ${version} is installed but package.json pins ${wanted}: run npm --prefix frontend ci`)
  }
  installed[name] = version
}

const versions = {
  govuk: installed['govuk-frontend'],
  moj: installed['@ministryofjustice/frontend'],
  htmx: installed['htmx.org']
}

// --- 2. Start from a clean vendor directory ----------------------------------

rmSync(vendorDir, { recursive: true, force: true })
mkdirSync(imagesDir, { recursive: true })

// --- 3. Stylesheet -----------------------------------------------------------

// GOV.UK Frontend @warn-s about deprecated mixins that MOJ Frontend still uses
// (and MOJ fixes $govuk-suppressed-warnings, so they cannot be silenced in
// Sass). Warnings from node_modules are counted, not printed; warnings from
// our own source are printed.
let dependencyWarnings = 0
const logger = {
  warn (message, { deprecation, span, stack }) {
    // Where the warning was raised: its span, else the innermost stack frame.
    const where = span?.url
      ? relative(frontendDir, fileURLToPath(span.url))
      : (stack ?? '').trim().split('\n')[0].trim()
    const fromDeps = where.startsWith('node_modules/')
    if (fromDeps) {
      dependencyWarnings++
      return
    }
    console.warn(`sass ${deprecation ? 'deprecation ' : ''}warning: ${message}\n${stack ?? ''}`)
  }
}

const result = sass.compile(join(srcDir, 'app.scss'), {
  style: 'compressed',
  loadPaths: [frontendDir],
  sourceMap: false,
  quietDeps: true,
  logger
})
let css = result.css
if (!css.endsWith('\n')) css += '\n'

if (/@font-face/i.test(css) || /GDS Transport/i.test(css)) {
  fail('app.css contains @font-face or "GDS Transport"; check $govuk-font-family in src/app.scss')
}
// (Attribute selectors such as [href^="http://"] are fine: no host follows.)
const ABSOLUTE_URL = /https?:\/\/[a-z0-9][^\s"'()<>]*/gi
if (new RegExp(ABSOLUTE_URL.source, "i").test(css)) {
  fail(`app.css contains an absolute URL: ${css.match(/.{0,60}https?:\/\/[a-z0-9].{0,60}/i)[0]}`)
}

// Every url() must be one of our images; copy each from GOV.UK or MOJ.
const urls = new Set()
for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]+)\1\s*\)/g)) {
  urls.add(match[2])
}
const imageSources = [join(govukDist, 'assets', 'images'), join(mojDist, 'assets', 'images')]
const images = new Map() // file name -> source path

function addImage (name) {
  if (images.has(name)) return
  const candidates = imageSources.map((dir) => join(dir, name)).filter((path) => {
    try {
      readFileSync(path)
      return true
    } catch {
      return false
    }
  })
  if (candidates.length === 0) fail(`image ${name} not found in GOV.UK or MOJ Frontend`)
  const bodies = new Set(candidates.map((path) => readFileSync(path).toString('base64')))
  if (bodies.size > 1) fail(`image ${name} exists in both GOV.UK and MOJ Frontend with different contents`)
  images.set(name, candidates[0])
}

for (const url of [...urls].sort()) {
  if (url.startsWith('data:')) continue
  if (!url.startsWith(IMAGES_URL) || url.slice(IMAGES_URL.length).includes('/')) {
    fail(`unexpected url(${url}) in app.css; images must be under ${IMAGES_URL}`)
  }
  addImage(url.slice(IMAGES_URL.length))
}
for (const name of GOVUK_TEMPLATE_IMAGES) addImage(name)

for (const name of [...images.keys()].sort()) {
  copyFileSync(images.get(name), join(imagesDir, name))
}

write(join(staticDir, 'css', 'app.css'), css)

// --- 4. JavaScript -----------------------------------------------------------

// Copy a minified file, dropping its trailing sourceMappingURL comment (the
// maps are not vendored, and browsers would request them).
function copyScript (from, to) {
  let code = readFileSync(from, 'utf8')
  code = code.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '')
  if (code.includes('sourceMappingURL=')) fail(`${from} still references a source map`)
  if (!code.endsWith('\n')) code += '\n'
  write(to, code)
}

const scripts = {
  govuk: `govuk-frontend-${versions.govuk}.min.js`,
  moj: `moj-frontend-${versions.moj}.min.js`,
  htmx: `htmx-${versions.htmx}.min.js`
}
copyScript(join(govukDist, 'govuk-frontend.min.js'), join(vendorDir, scripts.govuk))
copyScript(join(mojDist, 'moj-frontend.min.js'), join(vendorDir, scripts.moj))
copyScript(join(htmxDist, 'htmx.min.js'), join(vendorDir, scripts.htmx))

const appJs = readFileSync(join(srcDir, 'app.js'), 'utf8')
  .replaceAll('__GOVUK_FRONTEND_VERSION__', versions.govuk)
  .replaceAll('__MOJ_FRONTEND_VERSION__', versions.moj)
  .replaceAll('__HTMX_VERSION__', versions.htmx)
if (/__[A-Z_]+_VERSION__/.test(appJs)) fail('unreplaced version placeholder in src/app.js')
for (const file of [scripts.govuk, scripts.moj]) {
  if (!appJs.includes(`'../vendor/${file}'`)) fail(`src/app.js does not import ../vendor/${file}`)
}
write(join(staticDir, 'js', 'app.js'), appJs)
copyFileSync(join(srcDir, 'body-classes.js'), join(staticDir, 'js', 'body-classes.js'))

// --- 5. Notices --------------------------------------------------------------

const notices = [
  'Third-party files in this directory, generated by frontend/build.mjs from the',
  'npm packages pinned in frontend/package.json and frontend/package-lock.json.',
  'Do not edit; rebuild with: npm --prefix frontend ci && npm --prefix frontend run build',
  ''
]
for (const [name, dir] of [
  ['govuk-frontend', join(modulesDir, 'govuk-frontend')],
  ['@ministryofjustice/frontend', join(modulesDir, '@ministryofjustice', 'frontend')],
  ['htmx.org', join(modulesDir, 'htmx.org')]
]) {
  const pkg = readJson(join(dir, 'package.json'))
  notices.push(`${name} ${pkg.version} (license: ${pkg.license})`)
}
notices.push(
  '',
  'css/app.css also contains compiled styles from govuk-frontend and',
  '@ministryofjustice/frontend (MIT).',
  '',
  'images/: govuk-* and favicon.* are from govuk-frontend; icon-* from',
  '@ministryofjustice/frontend. The GOV.UK crest/crown images are Crown copyright',
  'and not covered by the MIT licence of the code; they are meant for GOV.UK',
  'services only.',
  '',
  'htmx LICENSE:',
  '',
  readFileSync(join(modulesDir, 'htmx.org', 'LICENSE'), 'utf8').trim(),
  ''
)
write(join(vendorDir, 'THIRD-PARTY-NOTICES.txt'), notices.join('\n'))

// --- 6. Final checks and summary ---------------------------------------------

function listFiles (dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
    .sort()
}

const outputs = [
  join(staticDir, 'css', 'app.css'),
  join(staticDir, 'js', 'app.js'),
  join(staticDir, 'js', 'body-classes.js'),
  ...listFiles(vendorDir)
]
for (const file of outputs) {
  if (!/\.(css|js|txt|svg)$/.test(file)) continue
  const text = readFileSync(file, 'utf8')
  // SVG/XML namespace names (never fetched) are the only absolute URLs allowed,
  // apart from the licence text in the notices.
  const external = [...text.matchAll(ABSOLUTE_URL)]
    .map((m) => m[0])
    .filter((url) => !/^http:\/\/www\.w3\.org\/(1999\/xlink|2000\/svg)$/.test(url))
  if (external.length && !file.endsWith('.txt')) {
    fail(`${relative(repoDir, file)} references ${external.join(', ')}`)
  }
}

let total = 0
for (const file of outputs) {
  const body = readFileSync(file)
  total += body.length
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16)
  console.log(`${hash}  ${String(body.length).padStart(7)}  ${relative(repoDir, file)}`)
}
console.log(`${outputs.length} files, ${total} bytes` +
  (dependencyWarnings ? ` (${dependencyWarnings} Sass warnings from dependencies not shown)` : ''))
