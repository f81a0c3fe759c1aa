"""The app's pages in the chapter's order: one list for the navigation and for Home's page cards."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    name: str  # url path, "nav.<name>" title and "home.page_<name>" description
    icon: str
    section: str  # "nav.section_<section>"

    @property
    def path(self) -> str:
        return f"app_pages/{self.name}.py"


HOME = PageInfo("home", ":material/home:", "start")
PAGES = (
    PageInfo("sequences", ":material/timeline:", "sequences"),
    PageInfo("conv", ":material/filter:", "cnn"),
    PageInfo("pooling", ":material/grid_view:", "cnn"),
    PageInfo("model", ":material/account_tree:", "cnn"),
    PageInfo("train", ":material/model_training:", "cnn"),
    PageInfo("draw", ":material/draw:", "cnn"),
    PageInfo("network", ":material/hub:", "cnn"),
)

# The Teacher page: outside the chapter's order (no page before or after it), in a section of its own.
TEACHER = PageInfo("teacher", ":material/school:", "teacher")


def page_info(name: str) -> PageInfo:
    """The page called `name` (its path for st.page_link, its icon)."""
    return next(info for info in (HOME, *PAGES, TEACHER) if info.name == name)


def neighbours(name: str) -> tuple[PageInfo | None, PageInfo | None]:
    """The pages before and after `name` in the chapter's order (Home first); None at either end."""
    order = (HOME, *PAGES)
    index = next((i for i, info in enumerate(order) if info.name == name), None)
    if index is None:  # a page outside the chapter (Teacher)
        return None, None
    return (order[index - 1] if index > 0 else None, order[index + 1] if index + 1 < len(order) else None)
