#!/usr/bin/env python3
"""Drops one file onto an X window as a file manager would: an XDND (version 5) drag source.

usage: xdnd_drop.py WINDOW_NAME_OR_ID FILE [X Y]

WINDOW_NAME_OR_ID is a window id (decimal or 0x hex) or text its _NET_WM_NAME or WM_NAME
contains; X Y is the drop point inside the window (default: its centre). Exits 0 when the
target answers XdndFinished, 1 with a message when it refuses the drop or does not answer,
2 on a usage error (a missing FILE among them), 3 when there is no such window (yet).

The protocol, as the freedesktop XDND specification (version 5) lays it out:
  1. the target's top-level window carries XdndAware (type ATOM, the highest version it speaks);
  2. the source owns the XdndSelection selection for as long as the drag lasts;
  3. source -> target XdndEnter: l[0] source window, l[1] version << 24 (bit 0: more than three
     types, then in XdndTypeList on the source window), l[2..4] the first three types;
  4. source -> target XdndPosition: l[0] source, l[2] (x << 16) | y in root coordinates, l[3]
     time stamp, l[4] the action asked for;
  5. target -> source XdndStatus: l[0] target, l[1] bit 0 set when it would accept a drop here,
     l[4] the action it accepts;
  6. source -> target XdndDrop: l[0] source, l[2] time stamp. The target converts XdndSelection
     to a type it likes (SelectionRequest to the owner, which writes the data into the
     requestor's property and answers SelectionNotify);
  7. target -> source XdndFinished: l[0] target, l[1] bit 0 set when it took the drop (v5),
     l[2] the action performed.
The target taking the drop says nothing about what the application made of the file.
"""

import os
import sys
import time
import urllib.parse

from Xlib import X, Xatom, display, error
from Xlib.protocol import event

XDND_VERSION = 5
TIMEOUT_SECONDS = 10.0
OFFERED_TYPES = ("text/uri-list", "text/plain")
NO_WINDOW = 3  # the exit status while the window is not there (yet): callers may retry


def fail(message, code=1):
    print(f"xdnd_drop: {message}", file=sys.stderr)
    sys.exit(code)


def window_name(d, win):
    """The window's _NET_WM_NAME (UTF-8) or, without one, its WM_NAME; '' when it has neither."""
    try:
        prop = win.get_full_property(d.intern_atom("_NET_WM_NAME"), d.intern_atom("UTF8_STRING"))
        if prop and prop.value:
            value = prop.value
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
        name = win.get_wm_name()
        if isinstance(name, bytes):
            name = name.decode("latin-1")
        return name or ""
    except error.XError:  # the window went away while we looked
        return ""


def find_window(d, wanted):
    """A window by id, or the first (depth-first from the root) whose name contains `wanted`."""
    try:
        win = d.create_resource_object("window", int(wanted, 0))
    except ValueError:
        win = None
    if win is not None:
        try:
            win.get_geometry()
            return win
        except error.XError:
            fail(f"no window {wanted}", NO_WINDOW)
    stack = [d.screen().root]
    while stack:
        win = stack.pop(0)
        if win != d.screen().root and wanted in window_name(d, win):
            return win
        try:
            stack.extend(win.query_tree().children)
        except error.XError:
            continue
    fail(f"no window named like '{wanted}'", NO_WINDOW)


def xdnd_aware_window(d, win):
    """The window itself or the nearest ancestor carrying XdndAware (the spec puts it on the
    top-level window only, so a child's id leads up to it), with the version it declares."""
    aware = d.intern_atom("XdndAware")
    root = d.screen().root
    while win != root:
        prop = win.get_full_property(aware, Xatom.ATOM)
        if prop and len(prop.value):
            return win, int(prop.value[0])
        win = win.query_tree().parent
    fail("the window (and its ancestors) carry no XdndAware property: it takes no drops")


def server_time(d, win):
    """The server's current time stamp, from the PropertyNotify of a zero-length append: XDND
    wants real time stamps in XdndPosition and XdndDrop, and the selection's owner time must not
    be later than the one the target converts with."""
    atom = d.intern_atom("XDND_DROP_TIME")
    win.change_property(atom, Xatom.STRING, 8, b"", X.PropModeAppend)
    d.flush()
    while True:
        ev = d.next_event()
        if ev.type == X.PropertyNotify and ev.atom == atom:
            return ev.time


def send(d, target, source, message, data):
    """A 32-bit ClientMessage `message` to `target` whose l[0] is the source window."""
    values = [source.id] + list(data) + [0] * (4 - len(data))
    ev = event.ClientMessage(window=target, client_type=d.intern_atom(message),
                             data=(32, values))
    target.send_event(ev, event_mask=X.NoEventMask)
    d.flush()


def uri_list(path):
    """text/uri-list (RFC 2483): one file:// URI per line, CRLF-terminated, reserved characters
    and spaces percent-encoded."""
    return ("file://" + urllib.parse.quote(os.path.abspath(path)) + "\r\n").encode("utf-8")


def answer_selection_request(d, ev, payload):
    """Writes the data into the requestor's property (for the types we offer) and tells it with
    a SelectionNotify; an unknown type gets property None, the ICCCM's refusal."""
    offered = {d.intern_atom(name) for name in OFFERED_TYPES}
    prop = ev.property or ev.target  # a property of None: obsolete clients, use the target
    if ev.target in offered:
        ev.requestor.change_property(prop, ev.target, 8, payload)
    else:
        prop = X.NONE
    notify = event.SelectionNotify(time=ev.time, requestor=ev.requestor, selection=ev.selection,
                                   target=ev.target, property=prop)
    ev.requestor.send_event(notify, event_mask=X.NoEventMask)
    d.flush()
    return ev.target in offered


def wait_for(d, predicate, what, payload, deadline):
    """Handles events until `predicate(ev)` holds, answering selection requests meanwhile."""
    while time.monotonic() < deadline:
        while d.pending_events():
            ev = d.next_event()
            if ev.type == X.SelectionRequest:
                answer_selection_request(d, ev, payload)
            elif predicate(ev):
                return ev
        time.sleep(0.01)
    fail(f"timed out after {TIMEOUT_SECONDS:.0f} s waiting for {what}")


def client_message(d, name):
    atom = d.intern_atom(name)
    return lambda ev: ev.type == X.ClientMessage and ev.client_type == atom


def drop_point(d, target, args):
    """Root coordinates of the drop: (x, y) inside the window, or its centre."""
    geometry = target.get_geometry()
    if args:
        x, y = int(args[0]), int(args[1])
    else:
        x, y = geometry.width // 2, geometry.height // 2
    moved = target.translate_coords(d.screen().root, x, y)
    return moved.x, moved.y


def main(argv):
    if len(argv) not in (3, 5):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    path = argv[2]
    if not os.path.exists(path):
        fail(f"{path}: no such file", 2)
    d = display.Display()
    target, version = xdnd_aware_window(d, find_window(d, argv[1]))
    version = min(version, XDND_VERSION)
    root_x, root_y = drop_point(d, target, argv[3:])

    # The source's own window: it owns XdndSelection and receives the target's answers.
    source = d.screen().root.create_window(-10, -10, 1, 1, 0, X.CopyFromParent,
                                           event_mask=X.PropertyChangeMask)
    d.flush()
    stamp = server_time(d, source)
    source.set_selection_owner(d.intern_atom("XdndSelection"), stamp)
    if d.get_selection_owner(d.intern_atom("XdndSelection")) != source:
        fail("could not own the XdndSelection selection")

    payload = uri_list(path)
    deadline = time.monotonic() + TIMEOUT_SECONDS
    types = [d.intern_atom(name) for name in OFFERED_TYPES]
    send(d, target, source, "XdndEnter", [version << 24] + types)
    send(d, target, source, "XdndPosition",
         [0, (root_x << 16) | root_y, stamp, d.intern_atom("XdndActionCopy")])
    status = wait_for(d, client_message(d, "XdndStatus"), "XdndStatus", payload, deadline)
    if not status.data[1][1] & 1:
        send(d, target, source, "XdndLeave", [0])
        fail("the target refused the drop (XdndStatus without the accept bit)")

    send(d, target, source, "XdndDrop", [0, stamp])
    finished = wait_for(d, client_message(d, "XdndFinished"), "XdndFinished", payload, deadline)
    # Version 5 sets bit 0 of l[1] when the target took the drop. GLFW's X11 backend (3.3)
    # puts the length of the data it read there instead, so any non-zero value counts.
    if version >= 5 and not finished.data[1][1]:
        fail("the target did not take the drop (XdndFinished: l[1] is 0)")
    print(f"xdnd_drop: dropped {payload.decode().strip()} on window {target.id:#x} "
          f"at root ({root_x}, {root_y})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
