"""Every write of tags, templates, properties and object metadata, with the original service's rules."""

import base64
import binascii
import math
import re
from datetime import datetime

from django.db import IntegrityError, transaction

from dds import errors
from dds.fields import DESCRIPTION_MAX_LENGTH

from . import selectors
from .models import MetadataValue, ObjectMetadata, Property, Tag, Template

NAME_PATTERN = re.compile(r"^[a-z0-9_]*$", re.IGNORECASE)
NAME_MAX_LENGTH = 60
LABEL_MAX_LENGTH = 255
VALUE_MAX_LENGTH = DESCRIPTION_MAX_LENGTH
INTEGER_RANGES = {
    Property.Type.BYTE: 2**7,
    Property.Type.SHORT: 2**15,
    Property.Type.INTEGER: 2**31,
    Property.Type.LONG: 2**63,
}
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")
DATE_MESSAGE = "is not a valid date (format: yyyy-MM-dd[THH:mm[:ss]])"
TEMPLATE_IN_USE = "The template cannot be deleted if it has been associated to one or more DDS objects."
PROPERTY_IN_USE = "The property cannot be deleted if it has been associated to one or more DDS objects."


def _required(field, value, problems, *, max_length=LABEL_MAX_LENGTH):
    if value is None or not str(value).strip():
        problems.append((field, "can't be blank"))
    elif len(value) > max_length:
        problems.append((field, errors.too_long(max_length)))


def _identifier(field, value, problems):
    """A template's name or a property's key: letters, digits and `_`, at most 60."""
    _required(field, value, problems, max_length=NAME_MAX_LENGTH)
    if value and not NAME_PATTERN.match(value):
        problems.append((field, "is invalid"))


def _description_checked(description, problems):
    """A template's description is optional, and bounded like every free text."""
    if description is not None and len(description) > DESCRIPTION_MAX_LENGTH:
        problems.append(("description", errors.too_long(DESCRIPTION_MAX_LENGTH)))


def _refuse(problems):
    if problems:
        raise errors.ValidationFailed(errors=problems)


# Tags


def _tag_add(actor, obj, label):
    tag = Tag(label=label, **selectors.of_object(obj))
    tag.stamp_created(actor)
    try:
        with transaction.atomic():
            tag.save()
    except IntegrityError:
        return None
    return tag


@transaction.atomic
def tag_create(*, actor, obj, label):
    problems = []
    _required("label", label, problems)
    _refuse(problems)
    if selectors.tags_of(obj).filter(label__iexact=label).exists():
        raise errors.ValidationFailed.field("label", "has already been taken")
    tag = _tag_add(actor, obj, label)
    if tag is None:
        raise errors.ValidationFailed.field("label", "has already been taken")
    return tag


@transaction.atomic
def tags_append(*, actor, obj, labels):
    """Add each label the object does not carry yet; blank and already present labels are passed over, as the
    original did. The tags added, in the order sent."""
    added = []
    for label in labels:
        if label and label.strip() and len(label) <= LABEL_MAX_LENGTH:
            tag = _tag_add(actor, obj, label)
            if tag is not None:
                added.append(tag)
    return added


@transaction.atomic
def tag_delete(*, actor, tag):
    tag.delete()


# Templates and their properties


def _name_taken(queryset, field, value, problems):
    if value and queryset.filter(**{f"{field}__iexact": value}).exists():
        problems.append((field, "has already been taken"))


def _template_saved(template):
    """Save `template`; a name taken by a concurrent request meanwhile is refused as any taken name."""
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise errors.ValidationFailed.field("name", "has already been taken") from None
    return template


@transaction.atomic
def template_create(*, actor, name, label, description=None):
    problems = []
    _identifier("name", name, problems)
    _required("label", label, problems)
    _description_checked(description, problems)
    _name_taken(Template.objects.all(), "name", name, problems)
    _refuse(problems)
    template = Template(name=name, label=label, description=description)
    template.stamp_created(actor)
    return _template_saved(template)


@transaction.atomic
def template_update(*, actor, template, **changes):
    """`changes`: any of name, label, description. A template filled in on an object keeps its name."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    problems = []
    if "name" in changes:
        _identifier("name", changes["name"], problems)
        if changes["name"] != template.name and selectors.template_in_use(template):
            problems.append(("name", "Cannot change name."))
        _name_taken(Template.objects.exclude(pk=template.pk), "name", changes["name"], problems)
    if "label" in changes:
        _required("label", changes["label"], problems)
    _description_checked(changes.get("description"), problems)
    _refuse(problems)
    for field, value in changes.items():
        setattr(template, field, value)
    template.stamp_updated(actor)
    return _template_saved(template)


@transaction.atomic
def template_delete(*, actor, template):
    """A template no object uses goes with its properties; one in use stays (400)."""
    template = Template.objects.select_for_update().get(pk=template.pk)
    if selectors.template_in_use(template):
        raise errors.ValidationFailed(base=[TEMPLATE_IN_USE])
    template.properties.all().delete()
    template.delete()


def _type_check(field, data_type, problems):
    if data_type is not None and data_type not in Property.Type.values:
        problems.append((field, "is not included in the list"))


@transaction.atomic
def property_create(*, actor, template, key, label, description, data_type):
    Template.objects.select_for_update().get(pk=template.pk)
    problems = []
    _identifier("key", key, problems)
    _required("label", label, problems)
    _required("description", description, problems, max_length=DESCRIPTION_MAX_LENGTH)
    if data_type is None or not data_type.strip():
        problems.append(("data_type", "can't be blank"))
    _type_check("data_type", data_type, problems)
    _name_taken(template.properties.all(), "key", key, problems)
    _refuse(problems)
    prop = Property(template=template, key=key, label=label, description=description, data_type=data_type)
    prop.stamp_created(actor)
    prop.save()
    return prop


@transaction.atomic
def property_update(*, actor, prop, **changes):
    """`changes`: any of key, label, description, data_type. A property holding values keeps its key and type."""
    Template.objects.select_for_update().get(pk=prop.template_id)
    prop = Property.objects.select_related("template").get(pk=prop.pk)
    in_use = selectors.property_in_use(prop)
    problems = []
    if "key" in changes:
        _identifier("key", changes["key"], problems)
        if changes["key"] != prop.key and in_use:
            problems.append(("key", "Cannot change key."))
        _name_taken(prop.template.properties.exclude(pk=prop.pk), "key", changes["key"], problems)
    for field in ("label", "description"):
        if field in changes:
            limit = DESCRIPTION_MAX_LENGTH if field == "description" else LABEL_MAX_LENGTH
            _required(field, changes[field], problems, max_length=limit)
    if "data_type" in changes:
        _type_check("data_type", changes["data_type"], problems)
        if changes["data_type"] != prop.data_type and in_use:
            problems.append(("data_type", "Cannot change data_type."))
    _refuse(problems)
    for field, value in changes.items():
        setattr(prop, field, value)
    prop.stamp_updated(actor)
    prop.save()
    return prop


@transaction.atomic
def property_delete(*, actor, prop):
    Template.objects.select_for_update().get(pk=prop.template_id)
    if selectors.property_in_use(prop):
        raise errors.ValidationFailed(base=[PROPERTY_IN_USE])
    prop.delete()


# Object metadata


def _integer_problem(value, bound):
    try:
        number = int(value)
    except ValueError:
        return "is not an integer"
    if not -bound <= number < bound:
        return f"is out of range (from {-bound} to {bound - 1})"
    return None


def _number_problem(value):
    try:
        number = float(value)
    except ValueError:
        return "is not a number"
    return None if math.isfinite(number) else "is not a number"


def _date_problem(value):
    if not DATE_PATTERN.match(value):
        return DATE_MESSAGE
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return DATE_MESSAGE
    return None


def _binary_problem(value):
    try:
        base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return "is not base64"
    return None


def value_problem(data_type, value):
    """What is wrong with `value` (text) as a value of a property of `data_type`, or None."""
    if not value.strip():
        return "can't be blank"
    if len(value) > VALUE_MAX_LENGTH:
        return errors.too_long(VALUE_MAX_LENGTH)
    if data_type in INTEGER_RANGES:
        return _integer_problem(value, INTEGER_RANGES[data_type])
    if data_type in (Property.Type.DOUBLE, Property.Type.FLOAT):
        return _number_problem(value)
    if data_type == Property.Type.DATE:
        return _date_problem(value)
    if data_type == Property.Type.BOOLEAN:
        return None if value in ("true", "false") else "is not a boolean (true or false)"
    if data_type == Property.Type.BINARY:
        return _binary_problem(value)
    return None


def _values_checked(template, pairs):
    """`[(Property, value)]` for `pairs` of `(key, value)`; a 400 naming each key the template lacks or whose value
    its property's type refuses."""
    by_key = {prop.key.lower(): prop for prop in template.properties.all()}
    problems, checked = [], []
    for key, value in pairs:
        prop = by_key.get(key.lower())
        if prop is None:
            problems.append((key, "key is not in the template"))
            continue
        problem = value_problem(prop.data_type, value)
        if problem:
            problems.append((key, problem))
        checked.append((prop, value))
    _refuse(problems)
    return checked


def _values_set(metadata, checked):
    for prop, value in checked:
        MetadataValue.objects.update_or_create(metadata=metadata, property=prop, defaults={"value": value})


@transaction.atomic
def metadata_create(*, actor, obj, template, pairs):
    """Fill in `template` on `obj` with `pairs` of `(key, value)`; 409 if it is filled in there already."""
    Template.objects.select_for_update().get(pk=template.pk)
    if not pairs:
        raise errors.ValidationFailed.field("properties", "can't be blank")
    checked = _values_checked(template, pairs)
    metadata = ObjectMetadata(template=template, **selectors.of_object(obj))
    metadata.stamp_created(actor)
    try:
        with transaction.atomic():
            metadata.save()
    except IntegrityError:
        raise errors.Conflict("unique conflict", "Resubmit as an update request") from None
    _values_set(metadata, checked)
    return metadata


@transaction.atomic
def metadata_update(*, actor, metadata, pairs):
    """Set the values of `pairs`; the keys not sent keep theirs."""
    Template.objects.select_for_update().get(pk=metadata.template_id)
    checked = _values_checked(metadata.template, pairs)
    _values_set(metadata, checked)
    metadata.stamp_updated(actor)
    metadata.save(update_fields=["last_updated_on", "last_updated_by", "last_updated_by_agent"])
    return metadata


@transaction.atomic
def metadata_delete(*, actor, metadata):
    metadata.delete()
