// Ombudsman Workbench front-end bootstrap (ES module).
//
// Source: frontend/src/app.js. workbench/static/js/app.js is generated from it
// by frontend/build.mjs (which fills in the vendored file versions): edit the
// source and rebuild, do not edit the generated copy.
//
// Page order (no inline scripts: the Content-Security-Policy forbids them):
//   <script src="/static/vendor/htmx-x.y.z.min.js"></script>       classic script
//   <script type="module" src="/static/js/app.js"></script>         this file
//
// Module scripts run after the document is parsed but before DOMContentLoaded,
// so the htmx config below is in place before htmx processes the page (htmx
// does that on DOMContentLoaded).

import * as GOVUKFrontend from '../vendor/govuk-frontend-6.6.0.min.js'
import * as MOJFrontend from '../vendor/moj-frontend-11.1.0.min.js'

// ---------------------------------------------------------------------------
// 1. htmx configuration
// ---------------------------------------------------------------------------
const htmx = window.htmx

if (htmx) {
  Object.assign(htmx.config, {
    // Only ever talk to our own origin.
    selfRequestsOnly: true,
    // Never run <script> elements that arrive in swapped content.
    allowScriptTags: false,
    // No eval()/new Function(): disables hx-on, hx-vars, `js:` in hx-vals and
    // trigger filters (hx-trigger="click[...]"); hx-get/hx-post/hx-target/
    // hx-swap/hx-trigger (without [filters]) work as usual.
    allowEval: false,
    // Forms answer 400/409/422 with the same fragment and its error messages:
    // swap those in (htmx's default drops every 4xx); other errors are not swapped.
    responseHandling: [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "(400|409|422)", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
    ],
    // htmx would inject an inline <style> for .htmx-indicator, which the CSP
    // blocks; the same rules are in css/app.css instead.
    includeIndicatorStyles: false,
    // Do not copy pages (case data) into sessionStorage for history
    // navigation: on back/forward, reload the page from the server instead.
    historyCacheSize: 0,
    refreshOnHistoryMiss: true
  })
} else {
  console.error('app.js: htmx is not loaded; include htmx.min.js before app.js')
}

// ---------------------------------------------------------------------------
// 2. GOV.UK Frontend / MOJ Frontend
// ---------------------------------------------------------------------------

// GOV.UK Frontend only initialises (and its CSS only applies JS-enabled styles)
// when <body> has `govuk-frontend-supported`; MOJ Frontend styles key off
// `js-enabled`. A browser that runs this module supports ES modules, which is
// GOV.UK Frontend's own support test. (js/body-classes.js sets the same
// classes earlier, to avoid a flash of unenhanced components; this is the
// fallback if that script is not on the page.)
document.body.classList.add('js-enabled', 'govuk-frontend-supported')

/**
 * Initialisation errors. Each component marks its root element with
 * `data-<module>-init` and throws InitError if initialised again, so scanning
 * a scope twice is harmless: those errors are expected and ignored.
 *
 * @param {unknown} error
 * @param {object} context
 */
function onError (error, context) {
  if (error instanceof Error && error.name === 'InitError') {
    return
  }
  console.error(error, context)
}

/**
 * Initialise every GOV.UK and MOJ component within `root` that is not yet
 * initialised.
 *
 * @param {Element | Document} root
 */
function initialiseWithin (root) {
  if (!(root instanceof Element) && !(root instanceof Document)) {
    return
  }
  // initAll() looks for [data-module] among the scope's descendants only. If
  // the new element is itself a component (e.g. an hx-swap="outerHTML"
  // response), scan from its parent; already-initialised siblings are skipped.
  const scope = root instanceof Element && root.hasAttribute('data-module') && root.parentElement
    ? root.parentElement
    : root

  GOVUKFrontend.initAll({ scope, onError })
  MOJFrontend.initAll({ scope, onError })
}

// Initial page.
initialiseWithin(document)

// Content swapped in by htmx. htmx fires `htmx:load` on every element it adds
// (each top-level element of a swap, out-of-band swaps included) once it has
// settled, and once on <body> at start-up (already done above, so that pass
// only skips initialised components).
document.addEventListener('htmx:load', (event) => {
  initialiseWithin(/** @type {Element} */ (event.target))
})
