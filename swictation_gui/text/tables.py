"""Spoken punctuation and command phrases, one table per language (data only; rules in ``commands.py``)."""

from __future__ import annotations

import enum

from swictation_gui.text.words import Language


class Command(enum.StrEnum):
    """A spoken command that sends keys rather than text."""

    SCRATCH = "scratch"  # remove the previous dictation with backspaces
    ENTER = "enter"      # press Enter


PUNCTUATION: dict[Language, dict[str, str]] = {
    Language.EN: {
        "period": ".", "full stop": ".", "comma": ",", "question mark": "?",
        "exclamation mark": "!", "exclamation point": "!", "colon": ":", "semicolon": ";",
        "new line": "\n", "new paragraph": "\n\n", "open quote": "“", "close quote": "”",
        "end quote": "”", "open bracket": "(", "close bracket": ")",
        "open parenthesis": "(", "close parenthesis": ")",
    },
    Language.DE: {
        "Punkt": ".", "Komma": ",", "Fragezeichen": "?", "Ausrufezeichen": "!",
        "Doppelpunkt": ":", "Semikolon": ";", "neue Zeile": "\n", "neuer Absatz": "\n\n",
        "Anführungszeichen auf": "„", "Anführungszeichen zu": "“",
        "Klammer auf": "(", "Klammer zu": ")",
    },
    Language.FR: {
        "point": ".", "virgule": ",", "point d'interrogation": "?", "point d'exclamation": "!",
        "deux-points": ":", "point-virgule": ";", "à la ligne": "\n", "nouvelle ligne": "\n",
        "nouveau paragraphe": "\n\n", "ouvrez les guillemets": "«\u00a0", "fermez les guillemets": "\u00a0»",
        "ouvrez la parenthèse": "(", "fermez la parenthèse": ")",
    },
    Language.ES: {
        "punto": ".", "coma": ",", "punto y coma": ";", "dos puntos": ":",
        "signo de interrogación": "?", "abre interrogación": "¿", "cierra interrogación": "?",
        "signo de exclamación": "!", "abre exclamación": "¡", "cierra exclamación": "!",
        "nueva línea": "\n", "nuevo párrafo": "\n\n", "abre comillas": "«", "cierra comillas": "»",
        "abre paréntesis": "(", "cierra paréntesis": ")",
    },
}
"""Phrase → characters it writes. Matching ignores case, the model's punctuation and hyphen/space."""

COMMANDS: dict[Language, dict[str, Command]] = {
    Language.EN: {"scratch that": Command.SCRATCH, "press enter": Command.ENTER},
    Language.DE: {"streich das": Command.SCRATCH, "lösch das": Command.SCRATCH,
                  "drück Enter": Command.ENTER, "Eingabetaste": Command.ENTER},
    Language.FR: {"efface ça": Command.SCRATCH, "annule ça": Command.SCRATCH,
                  "appuie sur entrée": Command.ENTER},
    Language.ES: {"borra eso": Command.SCRATCH, "pulsa intro": Command.ENTER,
                  "pulsa enter": Command.ENTER},
}
"""Phrase → command. "scratch that" counts only as a whole utterance; Enter also at the end of one."""

FILLERS: dict[Language, tuple[str, ...]] = {
    Language.EN: ("um", "umm", "uh", "uhm", "uhh", "erm", "er", "hmm", "mm"),
    Language.DE: ("äh", "ähm", "öhm", "öh", "hm", "hmm"),
    Language.FR: ("euh", "heu", "hum", "bah"),
    Language.ES: ("eh", "ehm", "em", "mmm"),
}
"""Words removed by the optional filler stage (whole words only, with a comma that follows them)."""
