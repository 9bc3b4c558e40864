"""Which rows of a split go into which shard file.

A shard holds `prepare.shard_items` consecutive rows of one split, so its bytes depend on
its rows alone: the same files whatever the number of processes or Snakemake jobs. Job j
of J (`prepare.shards`) writes every shard whose position in the plan is j modulo J.
"""

from __future__ import annotations

from dataclasses import dataclass

from fgcross.errors import PreparationError


@dataclass(frozen=True)
class ShardPlan:
    split: str
    number: int
    first: int  # the split's row of the shard's first item
    count: int

    @property
    def name(self) -> str:
        return shard_name(self.split, self.number)


def shard_name(split: str, number: int) -> str:
    return f"{split}-{number:06d}.tar"


def plan_shards(counts: dict[str, int], shard_items: int) -> list[ShardPlan]:
    """Every shard of every split (splits in the order given), none empty."""
    if shard_items < 1:
        raise PreparationError(f"prepare.shard_items must be at least 1, not {shard_items}")
    return [ShardPlan(split, k, first, min(shard_items, count - first))
            for split, count in counts.items() for k, first in enumerate(range(0, count, shard_items))]


def job_shards(plan: list[ShardPlan], job: int, jobs: int) -> list[ShardPlan]:
    """The shards that job `job` of `jobs` writes."""
    if not 0 <= job < jobs:
        raise PreparationError(f"shard job {job} is outside 0..{jobs - 1} (prepare.shards = {jobs})")
    return plan[job::jobs]
