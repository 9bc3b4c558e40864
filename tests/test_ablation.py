import pandas as pd
import pytest
import yaml

from fgcross.ablation import summarise, variant_params
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
    assert len(runs.columns) == 3 + 18 + 2  # variant, seed, params; the 18 mAPs; the two re-ranked averages
    assert 0 <= runs["reranked_bi_avg"].iloc[0] <= 1 and 0 <= runs["reranked_multi_avg"].iloc[0] <= 1
    ablation.main(argv)
    assert "already in" in capsys.readouterr().out and len(pd.read_csv(tmp_path / "ablation.csv")) == 1
