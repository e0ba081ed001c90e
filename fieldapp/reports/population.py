"""The area's resident population by ethnic group: the denominator of disproportionality.

Reference data from the census (e.g. Census 2021 table TS021 for the area the
team polices), by the broad groups the Home Office publishes rates for. One
form sets all five groups at once, with the area, source and year they share,
so the rates are never drawn from two censuses mixed. Admins enter it (each
change is logged as an alteration); supervisors may read it to check the
report's denominator.
"""

from __future__ import annotations

import re

from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError
from wtforms.widgets import TextInput

from fieldapp.access import role_required
from fieldapp.audit import operations as audit
from fieldapp.extensions import db
from fieldapp.models import AuditAction, PopulationGroup, Role
from fieldapp.models.types import utcnow
from fieldapp.periods import local_today
from fieldapp.reports.routes import bp
from fieldapp.reports.search_figures import GROUP_NAMES
from fieldapp.transactions import begin_write

#: More than any police force area's population: a larger number is a typing slip (and fits the column).
MAX_POPULATION = 50_000_000
EARLIEST_YEAR = 1801  # the first census of England and Wales


def _field_name(group: str) -> str:
    """The form field holding ``group``'s population."""
    return f"population_{group.lower()}"


class WholeNumberField(IntegerField):
    """A whole number as people type census figures (``12,345`` too); anything else is no number.

    Its validators then give the one message that says what to type, not WTForms' own as well.
    A text input (``inputmode`` numeric in the page), not type=number, which refuses the commas.
    """

    widget = TextInput()

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read the number, ignoring commas and spaces between digits; None if it is not one."""
        raw = re.sub(r"[,\s]", "", valuelist[0]) if valuelist else ""
        self.data = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 12 else None


def _population_field(group: str) -> WholeNumberField:
    """A whole number of residents, 0 or more, with a message people understand."""
    message = f"Enter the {group} group's population as a whole number, like 12345 (0 if none)."
    return WholeNumberField(group, validators=[InputRequired(message), NumberRange(0, MAX_POPULATION, message)])


class PopulationForm(FlaskForm):
    """Every broad group's population, and the area, source and year they all come from."""

    area = StringField("Area", validators=[DataRequired("Enter the area the figures are for."), Length(max=200)])
    source = StringField("Source", validators=[DataRequired("Enter the source, like Census 2021 TS021."),
                                               Length(max=200)])
    year = WholeNumberField("Year", validators=[InputRequired("Enter the year of the figures, like 2021.")])

    def validate_year(self, field) -> None:
        """A census year that has happened."""
        latest = local_today().year
        if field.data is None or not EARLIEST_YEAR <= field.data <= latest:
            raise ValidationError(f"Enter a year from {EARLIEST_YEAR} to {latest}.")


for _group in GROUP_NAMES:
    setattr(PopulationForm, _field_name(_group), _population_field(_group))


def _groups(*, for_update: bool = False) -> dict[str, PopulationGroup]:
    """The groups entered, by name (locked, to change them)."""
    statement = select(PopulationGroup).order_by(PopulationGroup.ethnic_group)
    if for_update:
        statement = statement.with_for_update()
    return {g.ethnic_group: g for g in db.session.scalars(statement)}


def save_population(values: dict[str, int], area: str, source: str, year: int, actor_id: int) -> None:
    """Set every group's population (one source for all), log each change, and commit.

    Two admins saving at once: the rows are locked (PostgreSQL; SQLite's write
    lock is already held), so each change logs the value it really replaced; if
    both insert the first figures, the second's insert clashes on the unique
    group and it is done again as an update.
    """
    for attempt in range(2):
        begin_write()
        try:
            _save(values, area, source, year, actor_id)
        except IntegrityError:
            db.session.rollback()
            if attempt:
                raise
        else:
            db.session.commit()
            return


def _save(values: dict[str, int], area: str, source: str, year: int, actor_id: int) -> None:
    """The changes and their audit events, flushed, not committed."""
    groups = _groups(for_update=True)
    for group in GROUP_NAMES:
        row = groups.get(group)
        if row is None:
            row = PopulationGroup(ethnic_group=group)
            db.session.add(row)
        before = None if row.population is None else f"{row.population} ({row.source}, {row.year})"
        row.population, row.area, row.source, row.year = values[group], area, source, year
        row.updated_by, row.updated_at = actor_id, utcnow()
        db.session.flush()
        audit.record(AuditAction.ALTER, "population_group", row.id,
                     f"{group}: {before or 'none'} -> {values[group]} ({source}, {year}, {area})"[:500])


def _form_page(form: PopulationForm | None, status: int = 200):
    """The page: the groups entered, and the form for admins."""
    fields = [getattr(form, _field_name(group)) for group in GROUP_NAMES] if form is not None else []
    return render_template("reports/population.html", groups=_groups(), names=GROUP_NAMES, form=form,
                           population_fields=fields), status


@bp.get("/population")
@role_required(Role.SUPERVISOR, Role.ADMIN)
def population():
    """The population by ethnic group: admins see the form, supervisors read it."""
    if current_user.role != Role.ADMIN:
        return _form_page(None)
    form = PopulationForm(formdata=None)
    groups = _groups()
    if groups:
        first = next(iter(groups.values()))
        form.area.data, form.source.data, form.year.data = first.area, first.source, first.year
        for group, row in groups.items():
            if group in GROUP_NAMES:
                getattr(form, _field_name(group)).data = row.population
    return _form_page(form)


@bp.post("/population")
@role_required(Role.ADMIN)
def save_population_form():
    """Save the population typed (400 with a message by each wrong field)."""
    form = PopulationForm()
    if not form.validate_on_submit():
        return _form_page(form, 400)
    save_population({group: getattr(form, _field_name(group)).data for group in GROUP_NAMES},
                    form.area.data.strip(), form.source.data.strip(), form.year.data, current_user.id)
    flash("Population saved: the stop and search report now uses it.")
    return redirect(url_for("reports.population"))
