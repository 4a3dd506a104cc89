"""End-to-end tests in headless Chromium (a package, so its module names cannot clash with other test folders)."""
