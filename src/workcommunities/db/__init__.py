"""The data layer: models in `db.models`, the engine in `db.engine`, reference fixtures in `db.fixtures`.

`AnyRow` / `AnySelect`: SQLAlchemy 2.1's variadic Row and Select for any columns.
"""

from typing import Any, TypeAlias

from sqlalchemy import Row, Select

AnyRow: TypeAlias = Row[*tuple[Any, ...]]
AnySelect: TypeAlias = Select[*tuple[Any, ...]]
