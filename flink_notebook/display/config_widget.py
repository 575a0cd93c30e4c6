"""``%flink_config`` as a form: the notebook Configuration, edited with ipywidgets.

The form writes to the notebook layer on every change (so the next cell uses
it), validates as it goes, says which executor the next cell will use, and
follows changes made with ``%flink_config key=value`` or ``SET``. Values of
secret-looking keys are shown masked and kept unless retyped.
"""

from __future__ import annotations

import html
import weakref
from typing import Any

from IPython.core.error import UsageError

from flink_notebook.core.config import Configuration
from flink_notebook.core.secrets import MASK, is_secret, mask_text

_FORM_KEYS = ("execution.target", "execution.attached", "parallelism.default",
              "execution.runtime-mode", "rest.address", "rest.port")
_NEEDS_ADDRESS = ("remote",)

# The form last shown for each configuration: a new one closes it, so a hundred
# ``%flink_config`` displays leave one form's widgets and one observer alive, not a hundred.
_SHOWN: weakref.WeakKeyDictionary[Configuration, ConfigWidget] = weakref.WeakKeyDictionary()


class ConfigWidget:
    """The form; ``box`` is the widget to display."""

    def __init__(self, configuration: Configuration) -> None:
        import ipywidgets as widgets

        from flink_notebook.executors.registry import available_factories, description

        self.configuration = configuration
        factories = available_factories()
        # Labels in one column wide enough for the longest, fields as wide as their text.
        label = {"description_width": "8em"}
        wide = widgets.Layout(width="auto", min_width="28em")
        self.target = widgets.Dropdown(
            options=[(f"{name}: {description(f)}" if description(f) else name, name)
                     for name, f in sorted(factories.items())],
            description="target", style=label, layout=wide)
        self.attached = widgets.Checkbox(description="attached (wait in the cell)",
                                         style=label, layout=widgets.Layout(width="auto"))
        # Unset shows empty (the cluster's default applies), not 0.
        self.parallelism = widgets.Text(description="parallelism", style=label,
                                        placeholder="Flink's default")
        self.runtime_mode = widgets.Dropdown(
            options=[("(Flink default)", ""), ("streaming", "streaming"), ("batch", "batch"),
                     ("automatic", "automatic")], description="runtime mode", style=label)
        self.rest_address = widgets.Text(description="REST address", style=label,
                                         placeholder="127.0.0.1")
        self.rest_port = widgets.Text(description="REST port", placeholder="8081",
                                      style={"description_width": "initial"})
        self.extra = widgets.Textarea(description="more options", style=label,
                                      placeholder="key=value, one per line",
                                      layout=widgets.Layout(width="60%", height="6em"))
        self.message = widgets.HTML()
        # Every effective option and where it comes from, folded: the form's values are not
        # shown twice.
        self.table = widgets.HTML()
        self.all_options = widgets.Accordion(children=[self.table])
        self.all_options.set_title(0, "all options and where they come from")
        self.all_options.selected_index = None
        self.address_box = widgets.HBox([self.rest_address, self.rest_port])
        self.box = widgets.VBox([self.target, self.attached, self.parallelism,
                                 self.runtime_mode, self.address_box, self.extra,
                                 self.message, self.all_options])
        self._syncing = False
        self._pull()
        for field in (self.target, self.attached, self.parallelism, self.runtime_mode,
                      self.rest_address, self.rest_port, self.extra):
            field.observe(self._push, names="value")
        configuration.observe(self._follow)
        previous = _SHOWN.get(configuration)
        if previous is not None:
            previous.close()
        _SHOWN[configuration] = self

    def close(self) -> None:
        """Stop following the configuration and close every widget of the form (its
        display in an earlier cell goes blank)."""
        self.configuration.unobserve(self._follow)
        _close_tree(self.box)

    def _follow(self, key: str) -> None:
        self._pull()

    # configuration -> form
    def _pull(self) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            c = self.configuration
            if c.get("execution.target") in [value for _, value in self.target.options]:
                self.target.value = c.get("execution.target")
            self.attached.value = bool(c.get("execution.attached"))
            self.parallelism.value = str(c.get("parallelism.default") or "")
            self.runtime_mode.value = c.get("execution.runtime-mode") or ""
            self.rest_address.value = _shown(c, "rest.address")
            self.rest_port.value = str(c.get("rest.port") or "")
            self.extra.value = "\n".join(
                f"{key}={_shown(c, key)}"
                for key, _, layer in c.items()
                if layer == "notebook" and key not in _FORM_KEYS
            )
            self._describe(None)
        finally:
            self._syncing = False
        self.table.value = self.configuration._repr_html_()

    # form -> configuration
    def _push(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            self._apply()
            self._describe(None)
        except UsageError as exc:
            self._describe(str(exc))
        finally:
            self._syncing = False
        self.table.value = self.configuration._repr_html_()

    def _apply(self) -> None:
        c = self.configuration
        c.set("execution.target", self.target.value)
        c.set("execution.attached", self.attached.value)
        for key, value in (("parallelism.default", self.parallelism.value.strip()),
                           ("execution.runtime-mode", self.runtime_mode.value),
                           ("rest.address", self.rest_address.value.strip()),
                           ("rest.port", self.rest_port.value.strip())):
            if value and value == _shown(c, key):
                continue  # as shown: a masked password in the address stays what it was
            if value:  # checked and converted by the option (a whole number, its range)
                c.set(key, value)
            else:
                c.unset(key)
        wanted: dict[str, str] = {}
        for number, line in enumerate(self.extra.value.splitlines(), 1):
            if not line.strip():
                continue
            key, sep, value = line.partition("=")
            if not sep:
                raise UsageError(f"more options, line {number}: expected key=value.")
            wanted[key.strip()] = value.strip()
        current = {k for k, _, layer in c.items() if layer == "notebook" and k not in _FORM_KEYS}
        for key in current - set(wanted):
            c.unset(key)
        for key, value in wanted.items():
            if value == _shown(c, key):
                continue  # unchanged (a secret shown masked): keep what is stored
            c.set(key, value)

    def _describe(self, error: str | None) -> None:
        from flink_notebook.executors.registry import description, resolve

        self.address_box.layout.display = (
            "" if self.target.value in _NEEDS_ADDRESS else "none")
        if error is None:
            try:
                factory = resolve(self.configuration)
                mode = "attached" if self.configuration.get("execution.attached") else "detached"
                text = (f"The next cell runs on <b>{html.escape(str(factory.name))}</b> "
                        f"({html.escape(mask_text(description(factory)))}), {mode}.")
                self.message.value = f"<span class='flink-config-ok'>{text}</span>"
                return
            except UsageError as exc:
                error = str(exc)
        self.message.value = (f"<span class='flink-config-error' style='color:#cf222e'>"
                              f"{html.escape(mask_text(error))}</span>")


def _close_tree(widget: Any) -> None:
    """Close ``widget`` and every widget it holds (children, layout, style): ipywidgets
    keeps each one alive until it is closed."""
    import ipywidgets as widgets

    held = []
    for name in widget.keys:
        value = getattr(widget, name, None)
        for item in value if isinstance(value, (list, tuple)) else (value,):
            if isinstance(item, widgets.Widget):
                held.append(item)
    widget.close()
    for item in held:
        _close_tree(item)


def _shown(configuration: Configuration, key: str) -> str:
    """A value as the form shows it: a secret's masked, a URL's password too."""
    value = configuration.get(key)
    if value is None or value == "":
        return ""
    return MASK if is_secret(key) else mask_text(str(value))
