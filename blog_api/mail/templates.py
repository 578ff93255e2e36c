"""Mail bodies from Jinja2 templates in `blog_api/mail/templates/`.

Each mail `<name>` has three files: `<name>.subject.txt` (one line), `<name>.txt` (plain text)
and `<name>.html`. HTML is autoescaped; the plain text is not (it is not markup).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from blog_api.mail.message import MailJob, MailMessage

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
# Every mail the application sends; `enqueue` refuses others at once (not at delivery time).
TEMPLATES = frozenset(
    {"verify_email", "password_reset", "password_changed", "email_changed", "two_factor_changed"}
)


class TemplateMissing(Exception):
    """A job names a template that does not exist (permanent: not retried)."""


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        # StrictUndefined: a template that names a missing value fails instead of mailing a
        # blank link.
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        keep_trailing_newline=True,
    )


def render(job: MailJob) -> MailMessage:
    """The subject and both bodies of `job`."""
    if job.template not in TEMPLATES:
        raise TemplateMissing(job.template)
    env = _environment()
    values = {**job.context, "to": job.to}
    subject = env.get_template(f"{job.template}.subject.txt").render(values).strip()
    return MailMessage(
        to=job.to,
        subject=" ".join(subject.split()),  # one line whatever the template did
        text=env.get_template(f"{job.template}.txt").render(values),
        html=env.get_template(f"{job.template}.html").render(values),
    )
