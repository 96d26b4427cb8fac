"""The words the installed app's scripts show, translated on the server and handed to the page:
the scripts hold no text of their own."""

from __future__ import annotations

from django.utils.translation import gettext as _


def script_texts() -> dict[str, str]:
    """What every page's script may show (`static/offline/offline.js`)."""
    return {
        "as_of": _(
            "No connection: shown as kept on this device, with the records as of %(time)s. "
            "They may have changed since."
        ),
        "offline": _("No connection"),
        "waiting": _("Waiting to be sent"),
        "flagged": _("Some records have waited long or may be cleared by the browser."),
        "signout_confirm": _(
            "%(count)s records on this device are not yet sent. Signing out deletes them from "
            "this device. Sign out anyway?"
        ),
        "saved": _("Saved on this device: %(label)s. It will be sent when there is a connection."),
        "saved_online": _("Saved: %(label)s. Sending…"),
        "pending_candidate": _("added on this device, not yet sent"),
        "required": _("Fill in: %(fields)s."),
        "added": _("added to the source list"),
    }


def outbox_texts() -> dict[str, str]:
    """What the outbox page's script shows (`static/offline/outbox.js`)."""
    return {
        "state_waiting": _("Waiting"),
        "state_sending": _("Sending"),
        "state_synced": _("Sent"),
        "state_refused": _("Refused"),
        "state_conflict": _("Changed on the server"),
        "state_held": _("Held until an earlier record is sent"),
        "recorded": _("Recorded on this device on %(time)s"),
        "sent": _("Sent on %(time)s"),
        "old": _("Waiting for more than 7 days"),
        "discard": _("Discard"),
        "edit": _("Correct and send again"),
        "keep_mine": _("Keep mine"),
        "keep_server": _("Keep the server's"),
        "yours": _("Yours"),
        "server": _("On the server now"),
        "confirm_discard": _("Discard this record? It will not be sent and cannot be recovered."),
        "online": _("Connected: waiting records are sent by themselves."),
        "offline": _("No connection: records wait on this device."),
        "sign_in": _("Sign in again to send the waiting records."),
        "server_error": _("The server could not take the records now; they stay here."),
        "recorded_by": _("recorded by %(user)s"),
    }
