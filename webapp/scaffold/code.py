"""The Python a scaffolded resource is made of: each field's model column, declared field and list column."""

import importlib
import sys

# Per type: the model column (``{n}`` the field name), the cell its list column uses, the names it imports.
COLUMNS = {
    "text": ('Mapped[str] = mapped_column(String({length}), default="", server_default="")', "text"),
    "longtext": ('Mapped[str] = mapped_column(Text, default="", server_default="")', "excerpt"),
    "choice": ('Mapped[str] = mapped_column(String({length}), default="{first}", server_default="{first}")', "badge"),
    "date": ("Mapped[date | None] = mapped_column(Date)", "text"),
    "datetime": ("Mapped[datetime | None] = mapped_column(UTCDateTime)", "text"),
    "int": ("Mapped[int | None] = mapped_column(Integer)", "text"),
    "decimal": ("Mapped[Decimal | None] = mapped_column(Numeric(12, 2))", "text"),
    "bool": ("Mapped[bool] = mapped_column(Boolean, default=False, server_default=sa.false())", "text"),
    "email": ('Mapped[str] = mapped_column(String(320), default="", server_default="")', "email"),
    "url": ('Mapped[str] = mapped_column(String(2000), default="", server_default="")', "url"),
    "tags": ("Mapped[list] = mapped_column(JSONType, default=list, server_default=sa.text(\"'[]'\"))", "tags"),
    "image": (None, "thumbnail"),
    "file": (None, "file"),
    "relation": (None, "related"),
}
LABELLED = {"date", "datetime", "int", "decimal", "bool", "relation"}
FIELD_CLASSES = {
    "text": "TextField",
    "longtext": "TextAreaField",
    "choice": "ChoiceField",
    "date": "DateField",
    "datetime": "DateTimeField",
    "int": "IntegerField",
    "decimal": "DecimalField",
    "bool": "BooleanField",
    "email": "EmailField",
    "url": "URLField",
    "tags": "TagsField",
    "image": "ImageField",
    "file": "FileField",
    "relation": "RelationField",
}


def locate(resource):
    """(module, name) of the declarations module variable holding ``resource``, for an import line."""
    for module_name, module in list(sys.modules.items()):
        if module_name.endswith(".declarations") and module_name.startswith("webapp."):
            for name, value in vars(module).items():
                if value is resource and name.isupper():
                    return module_name, name
    raise LookupError(f"{resource.name} is not in a webapp/<feature>/declarations.py module")


def relative(module_name, depth=1):
    """``webapp.projects.declarations`` seen from a module ``depth`` packages below ``webapp``."""
    return "." * (depth + 1) + module_name.partition(".")[2]


def model_lines(spec):
    """The column and relationship lines of the model class body."""
    lines, relationships = [], []
    for f in spec.fields:
        template, _ = COLUMNS[f.kind]
        if template is not None:
            first = f.choices[0][0] if f.choices else ""
            longest = max((len(v) for v, _ in f.choices), default=0)
            lines.append(f"{f.name}: " + template.format(length=f.max_length or longest, first=first))
        elif f.kind in ("image", "file"):
            lines.append(
                f'{f.fk}: Mapped[int | None] = mapped_column(ForeignKey("asset.id", ondelete="SET NULL"), index=True)'
            )
            relationships.append(f"{f.name}: Mapped[Asset | None] = relationship(foreign_keys=[{f.fk}])")
        else:
            target = f.target.model
            table = target.__tablename__
            lines.append(
                f'{f.fk}: Mapped[int | None] = mapped_column(ForeignKey("{table}.id", ondelete="SET NULL"), index=True)'
            )
            relationships.append(f"{f.name}: Mapped[{target.__name__} | None] = relationship(foreign_keys=[{f.fk}])")
    return lines, relationships


def model_imports(spec):
    """The import lines of the model module."""
    kinds = {f.kind for f in spec.fields}
    sqlalchemy = {"ForeignKey", "Index"}
    names = {
        "text": "String",
        "choice": "String",
        "email": "String",
        "url": "String",
        "longtext": "Text",
        "date": "Date",
        "int": "Integer",
        "decimal": "Numeric",
        "bool": "Boolean",
    }
    sqlalchemy |= {names[k] for k in kinds if k in names}
    lines = []
    stdlib = [("datetime", "date"), ("datetime", "datetime"), ("decimal", "Decimal")]
    wanted = {"date": "date", "datetime": "datetime", "decimal": "Decimal"}
    for module, name in stdlib:
        if any(wanted.get(k) == name for k in kinds):
            lines.append(f"from {module} import {name}")
    third = []
    if kinds & {"bool", "tags"}:
        third.append("import sqlalchemy as sa")
    third.append(f"from sqlalchemy import {', '.join(sorted(sqlalchemy))}")
    third.append("from sqlalchemy.orm import Mapped, mapped_column, relationship")
    own = ["from ..extensions import db"]
    models = {}
    if kinds & {"image", "file"}:
        models[".assets"] = {"Asset"}
    base = (
        {"TimestampMixin"}
        | ({"UTCDateTime"} if "datetime" in kinds else set())
        | ({"JSONType"} if "tags" in kinds else set())
    )
    models[".base"] = base
    related = [spec.parent.model] if spec.parent else []
    related += [f.target.model for f in spec.fields if f.kind == "relation"]
    if spec.parent is None:
        models.setdefault(".users", set()).add("User")
    for model in related:
        models.setdefault("." + model.__module__.rpartition(".")[2], set()).add(model.__name__)
    own += [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(models.items())]
    return [block for block in ("\n".join(lines), "\n".join(third), "\n".join(own)) if block]


def field_line(f):
    """The declared field: ``TextField("name", "Name", required=True, max_length=200)``."""
    args = [repr(f.name), repr(f.label)]
    if f.title:
        args.append("required=True")
    if f.kind == "text":
        args.append(f"max_length={f.max_length}")
    elif f.kind == "longtext":
        args.append("max_length=20000")
    elif f.kind in ("choice", "tags") and f.choices:
        args.append(f"choices={f.choices!r}")
    elif f.kind == "relation":
        args.append(f"to={locate(f.target)[1]}")
    elif f.kind == "file":
        args.append(f"types={f.types!r}")
    return f"{FIELD_CLASSES[f.kind]}({', '.join(args)})"


def column_line(f):
    """The list column: the title links to the row's page, images lead, each type its cell; a value
    that does not say what it is (a number, a date, yes or no, another row's name) comes after its label."""
    cell = "link" if f.title else COLUMNS[f.kind][1]
    labelled = ", labelled=True" if f.kind in LABELLED else ""  # a title is always text, never labelled
    return f"Column({f.name!r}, {f.label!r}, cell={cell!r}{labelled})"


def declaration_imports(spec):
    """The import lines of the declarations module."""
    model_module = f"..models.{spec.name}"
    resources = {"Column", "Resource"} | {FIELD_CLASSES[f.kind] for f in spec.fields}
    resources.add("Parent" if spec.parent else "NavEntry")
    lines = [f"from {model_module} import {spec.class_name}"]
    lines.append(f"from ..resources import {', '.join(sorted(resources))}")
    others = {}
    for resource in ([spec.parent] if spec.parent else []) + [f.target for f in spec.fields if f.kind == "relation"]:
        module, name = locate(resource)
        others.setdefault(relative(module), set()).add(name)
    lines[1:1] = [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(others.items())]
    return sorted(lines, key=lambda line: line.split()[1])


def ensure_imported(module_name):
    """Import (again, if changed on disk) a module just written."""
    importlib.invalidate_caches()
    return importlib.import_module(module_name)
