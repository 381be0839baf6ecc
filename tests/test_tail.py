"""The adaptive tail on a real ring: after silence a take ends at key-up; a word still sounding is kept to its end,
up to the limit. Positions are asserted in samples (no wall time)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from swictation_gui.audio.capture import Capture
from swictation_gui.audio.ring import Ring
from swictation_gui.audio.take import Take
from tests.desktop.xenv import wait_for
from tests.fakes import sounddevice as fake_sd
from tests.fixtures.synth_models import band_tone_hz, tone

RATE = 48_000
MS = RATE // 1000


def word(seconds: float, name: str = "la") -> npt.NDArray[np.float32]:
    return tone(band_tone_hz(name), seconds, rate=RATE)


def silence(seconds: float) -> npt.NDArray[np.float32]:
    rng = np.random.default_rng(3)
    return (rng.standard_normal(int(seconds * RATE)) * 3e-4).astype(np.float32)  # a quiet room, not zeros


def recording(*parts: npt.NDArray[np.float32]) -> tuple[Ring, Take]:
    ring = Ring(RATE * 20, RATE)
    take = Take(ring, 0)
    for part in parts:
        ring.write(part)
    return ring, take


def write_in_blocks(ring: Ring, take: Take, audio: npt.NDArray[np.float32]) -> None:
    """The stream delivering ``audio`` in 10 ms callbacks while the owner polls the take after each one."""
    for i in range(0, audio.size, 10 * MS):
        ring.write(audio[i:i + 10 * MS])
        take.ready()


def test_after_silence_the_take_ends_at_key_up_even_though_speech_starts_again() -> None:
    ring, take = recording(silence(0.3), word(0.5), silence(0.15))
    released = ring.written
    take.end_adaptive(0.4)
    assert take.end == released  # no wait at all (the brief allows 30 ms)
    write_in_blocks(ring, take, word(0.5, "do"))  # the next word, still sounding after key-up, is not taken
    assert take.ready() and take.end == released
    assert np.abs(take.rest()[-100 * MS:]).max() < 0.01


def test_a_word_still_sounding_at_key_up_is_kept_to_its_end() -> None:
    ring, take = recording(silence(0.3), word(0.5), word(0.1, "do"))
    released = ring.written
    take.end_adaptive(0.4)
    assert take.end is None and not take.ready()
    write_in_blocks(ring, take, np.concatenate([word(0.15, "do"), silence(0.5)]))
    assert take.ready() and take.end is not None
    word_end = released + 150 * MS
    assert word_end + 40 * MS <= take.end <= word_end + 70 * MS  # the word, then 50 ms of silence to be sure
    audio = take.rest()
    assert np.abs(audio[word_end - 10 * MS:word_end]).max() > 0.2  # the word's last 10 ms are kept


def test_speech_that_goes_on_stops_at_the_limit() -> None:
    ring, take = recording(silence(0.2), word(0.5))
    released = ring.written
    take.end_adaptive(0.4)
    write_in_blocks(ring, take, word(1.0, "do"))
    assert take.ready() and take.end == released + 400 * MS


def test_no_tail_setting_ends_at_key_up() -> None:
    ring, take = recording(word(0.5))
    released = ring.written
    take.end_adaptive(0.0)
    assert take.end == released and take.ready()


def test_a_new_press_during_the_tail_ends_the_previous_take_there() -> None:
    """Through the capture on the named fake PortAudio: the first take's tail waits on a sounding word, and a new
    press ends it where the new take starts (consecutive takes never share audio)."""
    saved, fake_sd.config = fake_sd.config, fake_sd.Config()
    cap = Capture(pre_roll_s=0.3, max_seconds=5, sd_module=fake_sd, keep_open=True)
    cap.open()
    try:
        assert wait_for(lambda: cap.is_open, 10)
        fake_sd.speak(tone(band_tone_hz("la"), 3.0, rate=fake_sd.config.rate))
        first = cap.begin()
        assert first is not None
        assert wait_for(lambda: first.ring.written - first.start > fake_sd.config.rate // 2, 10)
        cap.end(first, 0.4)
        assert first.end is None and first.tail_limit is not None  # the word is still sounding
        second = cap.begin()
        assert second is not None and first.end is not None and second.start == first.end
    finally:
        cap.close()
        fake_sd.config = saved
        fake_sd.drop_speech()  # the rest of the word must not reach the next test's microphone

