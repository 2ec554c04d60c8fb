"""Page numbers for the back-office lists."""

from __future__ import annotations

from typing import ClassVar, Protocol


class _Query(Protocol):
    @property
    def page(self) -> int: ...


class Paginated:
    """What a pager needs, for a page object with `total`, `query.page` and a page size."""

    per_page: ClassVar[int]
    total: int
    query: _Query

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def previous(self) -> int | None:
        return self.query.page - 1 if self.query.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.query.page + 1 if self.query.page < self.pages else None
