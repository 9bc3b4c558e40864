import pandas as pd
import pytest
import yaml

from fgcross.ablation import curves_path, mean_curves, run_curves, summarise, variant_params
from fgcross.machine import cpu_model
from fgcross.reports.curves import curves_figure
from steps import ablation
from tests.conftest import merge


def test_variants_set_the_loss_weights_and_seed(params):
    ce = variant_params(params, "ce", 4)
    assert ce.loss.center_weight == 0 and ce.loss.ranking_weight == 0 and ce.train.seed == 4
    center = variant_params(params, "ce+center", 0)
    assert center.loss.center_weight == params.loss.center_weight and center.loss.ranking_weight == 0
    assert variant_params(params, "ce+center+ranking", 0).loss == params.loss
    assert params.train.seed == 0  # the input is not modified
    with pytest.raises(ValueError, match="unknown variant"):
        variant_params(params, "triplet", 0)


def test_summary_is_mean_and_sample_std_per_variant():
    runs = pd.DataFrame({"variant": ["ce+center", "ce", "ce", "ce"], "seed": [0, 0, 1, 2],
                         "bi_avg": [0.5, 0.2, 0.4, 0.6], "multi_avg": [0.1, 0.3, 0.3, 0.3]})
    table = summarise(runs)
    assert table["variant"].tolist() == ["ce", "ce+center"]
    ce = table.iloc[0]
    assert ce["seeds"] == 3 and ce["bi_avg_mean"] == pytest.approx(0.4) and ce["bi_avg_std"] == pytest.approx(0.2)
    assert ce["multi_avg_std"] == pytest.approx(0.0)
    assert pd.isna(table.iloc[1]["bi_avg_std"])  # one seed: no spread


def test_ablation_appends_runs_and_skips_finished_ones(tmp_path, params, media_dir, index_dir, capsys):
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(merge(params.as_dict(), {"tracking": {"enabled": False}})))
    argv = ["--params", str(tmp_path / "p.yaml"), "--quiet", "--media", str(media_dir), "--index", str(index_dir),
            "--out", str(tmp_path / "ablation.csv"), "--seeds", "0", "--variants", "ce"]
    ablation.main(argv)
    runs = pd.read_csv(tmp_path / "ablation.csv")
    assert runs[["variant", "seed"]].values.tolist() == [["ce", 0]] and 0 <= runs["bi_avg"].iloc[0] <= 1
    assert list(runs.columns[21:]) == ["data", "cpu", "threads", "torch", "command"]
    assert runs["cpu"].iloc[0] == cpu_model() and runs["threads"].iloc[0] >= 1
    assert runs["command"].iloc[0].startswith("python -m steps.ablation --study losses --variants ce --seeds 0 ")
    curves = pd.read_csv(tmp_path / "ablation_pr.csv")
    assert curves[["variant", "seed"]].drop_duplicates().values.tolist() == [["ce", 0]] and len(curves) == 11
    ablation.main(argv)
    assert "already in" in capsys.readouterr().out and len(pd.read_csv(tmp_path / "ablation.csv")) == 1
    stale = runs.assign(data="0" * 16)  # the same params on other prepared data: trained again, replaced
    stale.to_csv(tmp_path / "ablation.csv", index=False)
    ablation.main(argv)
    again = pd.read_csv(tmp_path / "ablation.csv", dtype={"data": str})
    assert len(again) == 1 and again["data"].iloc[0] == str(runs["data"].iloc[0])
    assert len(pd.read_csv(tmp_path / "ablation_pr.csv")) == 11
    other = [a if a != str(tmp_path / "ablation.csv") else str(tmp_path / "other.csv") for a in argv]
    ablation.main(other)  # the same training in another study beside it: copied, not trained
    assert "copied" in capsys.readouterr().out
    copied = pd.read_csv(tmp_path / "other.csv", dtype={"data": str})
    assert copied.drop(columns="command").equals(again.drop(columns="command"))
    assert len(pd.read_csv(tmp_path / "other_pr.csv")) == 11


def _curve(scale: float) -> pd.DataFrame:
    recall = [round(0.1 * i, 1) for i in range(11)]
    return pd.DataFrame({"recall": recall, "i2t": [scale * (1 - r / 2) for r in recall],
                         "i2all": [scale * (1 - r) for r in recall]})


def test_mean_curves_average_the_seeds_of_each_variant():
    runs = pd.concat([run_curves(_curve(0.8), "b", 0), run_curves(_curve(0.4), "b", 1),
                      run_curves(_curve(1.0), "a", 0)])
    mean = mean_curves(runs)
    assert list(dict.fromkeys(mean["variant"])) == ["b", "a"]
    assert mean[mean["variant"] == "b"]["i2t"].round(6).tolist() == (_curve(0.6)["i2t"]).round(6).tolist()


def test_curves_figure_has_a_panel_per_direction_with_every_method():
    runs = pd.concat([run_curves(_curve(0.8), "fgcrossnet", 0), run_curves(_curve(0.5), "adversarial", 0)])
    fig = curves_figure(_curve(0.9), runs)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["i→t", "i→all"]
    assert all(len(ax.get_lines()) == 3 for ax in visible)  # two methods and this run
    assert len(curves_figure(_curve(0.9)).axes[0].get_lines()) == 1


def test_curves_path_sits_beside_the_study():
    assert str(curves_path("metrics/methods.csv")) == "metrics/methods_pr.csv"
