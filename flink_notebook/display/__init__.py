"""Showing jobs: a JobView (state) that a JobPoller fills, renderers behind one Renderer
protocol (widget, HTML, text, Zeppelin), the attached loop (``follow``) and the detached one
(``monitor``) side by side, the configuration form and the jobs list. Nothing below the
display imports it."""
