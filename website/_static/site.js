// Opened from a file (build/site/index.html, no web server), the search page cannot fetch
// other pages for the text shown under each result: list the results without it.
if (window.location.protocol === "file:" && typeof DOCUMENTATION_OPTIONS !== "undefined") {
  DOCUMENTATION_OPTIONS.SHOW_SEARCH_SUMMARY = false;
}
