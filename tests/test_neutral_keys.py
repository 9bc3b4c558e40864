"""Keys added since runs, stores and models were recorded: at their neutral value they change no
digest, no store's meta.json, and an older saved model's sections get them back."""

from fgcross.digests import training_digest
from fgcross.params import ADDED_SINCE_STORES, NEUTRAL_KEYS, section_dict, store_info, stored_section
from tests.conftest import override


def test_a_store_records_every_key_it_recorded_before_and_no_new_one_at_its_neutral_value(params):
    text = section_dict(params.text)
    assert store_info("text", text) == text  # vocabulary and lines stay, as stores have always had them
    spectrogram = section_dict(params.spectrogram)
    assert "birdnet_model" not in store_info("spectrogram", spectrogram)
    assert set(store_info("spectrogram", spectrogram)) == set(spectrogram) - {"birdnet_model"}
    named = override(params, {"spectrogram": {"birdnet_model": "m.tflite"}})
    assert store_info("spectrogram", section_dict(named.spectrogram))["birdnet_model"] == "m.tflite"
    assert set(NEUTRAL_KEYS) >= ADDED_SINCE_STORES


def test_new_keys_at_their_neutral_values_leave_the_training_digest_alone(params):
    same = override(params, {"model": {"frozen": [], "text_checkpoint": ""}})
    assert training_digest(same) == training_digest(params)
    assert training_digest(override(params, {"model": {"frozen": ["backbone"]}})) != training_digest(params)


def test_an_older_models_sections_get_the_new_keys_back_at_their_neutral_value(params):
    old = section_dict(params.spectrogram)
    del old["birdnet_model"]
    assert stored_section({"spectrogram": old}, "spectrogram") == params.spectrogram
