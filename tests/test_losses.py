import itertools

import pytest
import torch

from fgcross.losses import CenterLoss, center_loss, pairwise_distances, quadruplet_loss


def naive_quadruplet(e, y, m1, m2, form):
    """The definition, as a four-fold loop over index tuples."""
    d = torch.cdist(e, e)
    total, count, positive = 0.0, 0, 0
    for i, j, k, n in itertools.permutations(range(len(y)), 4):  # n: the paper's l
        if y[i] == y[j] and y[k] != y[i] and y[n] != y[i] and y[n] != y[k]:
            a, b = float(d[i, j] - d[i, k] + m1), float(d[i, j] - d[k, n] + m2)
            if form == "paper":
                total += max(a, 0) + max(b, 0)
                count += 1
            elif a + b > 0:
                total += a + b
                positive += 1
    if form == "paper":
        return total / count if count else 0.0
    return total / positive if positive else 0.0


def test_center_loss_hand_computed():
    features = torch.tensor([[1.0, 0.0], [0.0, 2.0], [3.0, 3.0]])
    centers = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    labels = torch.tensor([0, 1, 1])
    # squared distances: 1, 1 + 1 = 2, 4 + 4 = 8 -> mean 11/3
    assert center_loss(features, labels, centers).item() == pytest.approx(11 / 3)
    module = CenterLoss(2, 2, 0.01)
    module.centers.data = centers
    assert module(features, labels).item() == pytest.approx(11 / 3)


@pytest.mark.parametrize("form", ["paper", "reference"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_quadruplet_matches_the_four_fold_loop(form, seed):
    g = torch.Generator().manual_seed(seed)
    e = torch.randn(11, 4, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (11,), generator=g)
    expected = naive_quadruplet(e, y, 1.0, 0.5, form)
    got = quadruplet_loss(e, y, 1.0, 0.5, form, max_block=37).item()  # tiny blocks: chunking exercised
    assert got == pytest.approx(expected, abs=1e-5)


def test_quadruplet_hand_computed_case():
    # 1-D points: i=0 and j=1 (class 0) at 0 and 1, k at 3 (class 1), l at 4 (class 2)
    e = torch.tensor([[0.0], [1.0], [3.0], [4.0]])
    y = torch.tensor([0, 0, 1, 2])
    # valid quadruplets (i, j, k, l): (0,1,2,3) (0,1,3,2) (1,0,2,3) (1,0,3,2)
    # d_ij = 1; d_ik: 3, 4, 2, 3; d_kl = 1 in all
    # paper terms: [1-3+1]+ + [1-1+.5]+ = .5, [1-4+1]+ + .5 = .5, [1-2+1]+ + .5 = .5, [1-3+1]+ + .5 = .5
    assert quadruplet_loss(e, y, 1.0, 0.5, "paper").item() == pytest.approx(0.5)
    # reference: [(1-d_ik+1) + 0.5]+ = 0, 0, 0.5, 0 -> one positive term of 0.5
    assert quadruplet_loss(e, y, 1.0, 0.5, "reference").item() == pytest.approx(0.5)


def test_no_valid_quadruplet_gives_zero_with_a_graph():
    e = torch.randn(4, 3, requires_grad=True)
    loss = quadruplet_loss(e, torch.tensor([0, 0, 1, 1]), 1.0, 0.5)  # only two classes: no valid l
    assert loss.item() == 0.0
    loss.backward()
    assert torch.all(e.grad == 0)


def test_gradients_are_finite_with_duplicate_points():
    e = torch.zeros(6, 3, requires_grad=True)
    y = torch.tensor([0, 0, 1, 1, 2, 2])
    quadruplet_loss(e, y, 1.0, 0.5).backward()
    assert torch.isfinite(e.grad).all()
    assert torch.isfinite(pairwise_distances(e.detach())).all()


def test_unknown_form_is_rejected():
    with pytest.raises(ValueError):
        quadruplet_loss(torch.zeros(3, 2), torch.tensor([0, 1, 2]), form="other")


def test_centres_redraw_in_place_with_their_own_generator():
    module = CenterLoss(5, 5, 0.01)
    assert float(module.centers.detach().abs().max()) < 0.1
    param = module.centers
    module.redraw(1.0, seed=3)
    first = module.centers.detach().clone()
    assert module.centers is param and 0.5 < float(first.std()) < 1.5  # the official CenterLoss: torch.randn
    torch.manual_seed(99)  # the global generator does not matter: a resume draws the same centres
    module.redraw(1.0, seed=3)
    assert torch.equal(module.centers.detach(), first)


@pytest.mark.parametrize("form", ["paper", "reference"])
def test_quadruplet_gradient_through_recomputed_blocks_matches_the_loop(form):
    """Tiny blocks: every class takes several, so each is recomputed in backward (checkpoint)."""
    g = torch.Generator().manual_seed(3)
    e0 = torch.randn(11, 4, generator=g, dtype=torch.float64)
    y = torch.randint(0, 4, (11,), generator=g)
    a, b = e0.clone().requires_grad_(), e0.clone().requires_grad_()
    quadruplet_loss(a, y, 1.0, 0.5, form, max_block=37).backward()
    d, terms = torch.cdist(b, b), []
    for i, j, k, n in itertools.permutations(range(len(y)), 4):  # the definition, differentiable
        if y[i] == y[j] and y[k] != y[i] and y[n] != y[i] and y[n] != y[k]:
            t1, t2 = d[i, j] - d[i, k] + 1.0, d[i, j] - d[k, n] + 0.5
            terms.append(torch.relu(t1) + torch.relu(t2) if form == "paper" else torch.relu(t1 + t2))
    stacked = torch.stack(terms)
    (stacked.mean() if form == "paper" else stacked.sum() / (stacked > 0).sum()).backward()
    torch.testing.assert_close(a.grad, b.grad, atol=1e-9, rtol=1e-7)
