"""Page numbers for the back-office lists."""

from __future__ import annotations

from typing import ClassVar, Protocol

NUMBER_SLOTS = 7  # first, last, the current page and its neighbours, and two gaps


class _Query(Protocol):
    @property
    def page(self) -> int: ...


class Paginated:
    """What a pager needs, for a page object with `total`, `query.page` and a page size."""

    per_page: ClassVar[int]
    total: int
    query: _Query

    @property
    def page_size(self) -> int:
        return self.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))

    @property
    def previous(self) -> int | None:
        return self.query.page - 1 if self.query.page > 1 else None

    @property
    def next(self) -> int | None:
        return self.query.page + 1 if self.query.page < self.pages else None

    @property
    def first_row(self) -> int:
        return (self.query.page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.query.page * self.page_size)

    @property
    def numbers(self) -> list[int | None]:
        """The page numbers the pager links to, None for a gap ("…")."""
        return page_numbers(self.query.page, self.pages)


def page_numbers(current: int, pages: int) -> list[int | None]:
    """Every page number if there are few; else always seven slots: the first and last pages,
    the current one with its neighbours, and gaps (None), so the pager keeps its shape."""
    if pages <= NUMBER_SLOTS:
        return list(range(1, pages + 1))
    if current <= 4:
        return [1, 2, 3, 4, 5, None, pages]
    if current >= pages - 3:
        return [1, None, *range(pages - 4, pages + 1)]
    return [1, None, current - 1, current, current + 1, None, pages]
