"""The whole text stage: replacements → vocabulary → commands → fillers → joining (pure, any thread).

``process`` turns one transcript into one :class:`Delivery` (backspaces, text, Enter) that the injector sends as a
unit, and gives the :class:`Context` to remember once that delivery succeeded. :class:`TextStage` keeps that
context for the injector thread. Nothing here logs the text.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace

from swictation_gui.text import commands, fillers, joining, replacements
from swictation_gui.text import vocabulary as vocab
from swictation_gui.text.replacements import Replacement
from swictation_gui.text.tables import Command
from swictation_gui.text.words import Language

MAX_PIECES = 50
"""Pieces remembered per window (each "scratch that" takes one back)."""


@dataclass(frozen=True)
class TextConfig:
    """The user's text settings (see ``settings.schema`` for their meaning)."""

    replacements: tuple[Replacement, ...] = ()
    vocabulary: tuple[str, ...] = ()
    vocabulary_threshold: int = vocab.DEFAULT_THRESHOLD
    spoken_commands: bool = False
    language: Language = Language.EN
    remove_fillers: bool = False
    join: bool = True
    join_window_s: float = 120.0
    trailing_space: bool = True
    auto_submit: bool = False


@dataclass(frozen=True)
class Delivery:
    """What the injector sends, in this order: ``backspaces`` × BackSpace, ``text``, then Enter when ``enter``."""

    backspaces: int = 0
    text: str = ""
    enter: bool = False

    @property
    def empty(self) -> bool:
        """Nothing to send."""
        return not (self.backspaces or self.text or self.enter)


@dataclass(frozen=True)
class Target:
    """Where and when the delivery goes: the focused window's id and class, whether a key was pressed there
    since the previous delivery (None when that cannot be known), and the characters before the caret as the
    application reports them (AT-SPI; None when it cannot be asked)."""

    window: str
    at: float
    keys_since: bool | None = None
    before_caret: str | None = None


@dataclass(frozen=True)
class Context:
    """What was typed into one window by this app, newest last, and when."""

    window: str = ""
    at: float = float("-inf")
    pieces: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Outcome:
    """One processed transcript: the delivery, the context to keep after it, and a refusal for the user."""

    delivery: Delivery
    context: Context
    refused: str = ""


def _continues(config: TextConfig, context: Context, target: Target) -> bool:
    return (config.join and bool(context.pieces) and context.window == target.window
            and target.at - context.at <= config.join_window_s and target.keys_since is not True)


def _ends_with(text: str, piece: str) -> bool:
    """``text`` (a tail of what the window holds) ends with ``piece``, as far as both reach."""
    n = min(len(text), len(piece))
    return n > 0 and text[-n:] == piece[-n:]


def joining_context(config: TextConfig, context: Context, target: Target) -> tuple[str | None, bool]:
    """What the new piece is joined to (None: start fresh), and whether this app's own trailing space there may be
    erased with a BackSpace.

    The real characters before the caret, when the application reports them, win over the remembered piece, in any
    window and after any pause or key press: they also hold text the user typed, the caret moved elsewhere, or a
    field that had text before the first dictation. The trailing space is erased only when it is ours: the
    remembered piece still ends the text before the caret and no key was pressed since.
    """
    if not config.join:
        return None, False
    remembered = context.pieces[-1] if _continues(config, context, target) else None
    ours = target.keys_since is False
    if target.before_caret is None:
        return remembered, ours
    return target.before_caret, ours and remembered is not None and _ends_with(target.before_caret, remembered)


def _scratch(context: Context, target: Target) -> Outcome:
    if not context.pieces or context.window != target.window:
        return Outcome(Delivery(), context, "Nothing to scratch: no dictation was typed into this window.")
    if target.keys_since is None:
        return Outcome(Delivery(), context, "Nothing was removed: the app cannot tell whether keys were pressed "
                                            "in this window since the last dictation.")
    if target.keys_since:
        return Outcome(Delivery(), context, "Nothing was removed: a key was pressed in this window since the "
                                            "last dictation.")
    last = context.pieces[-1]
    return Outcome(Delivery(backspaces=len(last)), replace(context, at=target.at, pieces=context.pieces[:-1]))


def shape(raw: str, config: TextConfig) -> tuple[str, Command | None]:
    """Stages 1–4 on one transcript: the text to join and the spoken command, if any."""
    text = replacements.apply(raw, config.replacements)
    text = vocab.correct(text, config.vocabulary, config.vocabulary_threshold)
    command: Command | None = None
    if config.spoken_commands:
        parsed = commands.parse(text, config.language)
        text, command = parsed.text, parsed.command
    if config.remove_fillers:
        text = fillers.remove(text, config.language)
    return text, command


def process(raw: str, config: TextConfig, context: Context, target: Target, verbatim: bool = False) -> Outcome:
    """One transcript through every stage; ``context`` is the state after the previous successful delivery.

    ``verbatim`` (a history entry inserted again: already shaped once) skips stages 1–4; only joining applies.
    """
    text, command = (raw, None) if verbatim else shape(raw, config)
    if command is Command.SCRATCH:
        return _scratch(context, target)
    continuing = _continues(config, context, target)
    previous, may_erase = joining_context(config, context, target)
    enter = command is Command.ENTER or (config.auto_submit and bool(text.strip()))
    backspaces, typed = joining.join(previous, text, config.language, config.trailing_space and not enter,
                                     may_erase=may_erase)
    delivery = Delivery(backspaces, typed, enter)
    if enter:
        return Outcome(delivery, Context(target.window, target.at, ()))  # a sent message: start fresh
    if delivery.empty:
        return Outcome(delivery, context)
    pieces = context.pieces if continuing else ()
    if backspaces and pieces:
        pieces = (*pieces[:-1], pieces[-1][:-backspaces])
    pieces = (*pieces, typed)[-MAX_PIECES:]
    return Outcome(delivery, Context(target.window, target.at, pieces))


class TextStage:
    """The stage with its remembered context; ``process`` and ``delivered`` run on the injector thread,
    ``configure`` on any thread (the config is swapped whole)."""

    def __init__(self, config: TextConfig) -> None:
        self._config = config
        self._context = Context()
        self._lock = threading.Lock()

    @property
    def config(self) -> TextConfig:
        """The settings in use."""
        return self._config

    def configure(self, config: TextConfig) -> None:
        """Use ``config`` from the next transcript on."""
        self._config = config

    def process(self, raw: str, target: Target, verbatim: bool = False) -> Outcome:
        """Shape ``raw`` for ``target``; call :meth:`delivered` with the outcome once it was sent."""
        with self._lock:
            return process(raw, self._config, self._context, target, verbatim)

    def delivered(self, outcome: Outcome) -> None:
        """The outcome's delivery reached the window: remember its context."""
        with self._lock:
            self._context = outcome.context

    def forget(self) -> None:
        """Start fresh (the text was not delivered, or the user asked)."""
        with self._lock:
            self._context = Context()
