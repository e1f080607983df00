// Classic (non-module) script for the very start of <body>:
//   <body class="govuk-template__body">
//     <script src="/static/js/body-classes.js"></script>
// It does what GOV.UK Frontend's page template does with an inline script
// (which our Content-Security-Policy forbids): mark the page as JS-enabled
// before first paint, so components such as accordions and tabs do not flash
// in their no-JS form. `govuk-frontend-supported` only where ES modules are
// supported, i.e. where js/app.js will run and initialise the components.
document.body.className += ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '')
