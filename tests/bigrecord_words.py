"""Who sits in the big record's circle (tests/bigrecord.py), and what its record says.

Twelve people with full names, in ring order, and the Dutch texts of the
proposals, rounds, consents and objections: about containers, zwerfafval,
the moestuin, the buurtfeest, so full-text search has something to find.
`{s}` in a text is a street, `{p}` a square.
"""

from __future__ import annotations

from circle.method import Role

#: The circle, in ring order: full names, so the public record's name display shows.
PEOPLE = [
    ("Anna de Vries", Role.FACILITATOR),
    ("Fatima El Amrani", Role.SECRETARY),
    ("Joost Bakker", Role.MEMBER),
    ("Aylin Yilmaz", Role.MEMBER),
    ("Kees van Dijk", Role.MEMBER),
    ("Samira Haddou", Role.MEMBER),
    ("Dewi Sutrisno", Role.MEMBER),
    ("Mohamed Ouali", Role.MEMBER),
    ("Priya Ramdin", Role.MEMBER),
    ("Bram Visser", Role.MEMBER),
    ("Noor Jansen", Role.MEMBER),
    ("Wijkteam Oost", Role.GUEST),
]

STREETS = ["Javastraat", "Balistraat", "Sumatrastraat", "Molukkenstraat", "Celebesstraat",
           "Borneostraat", "Madurastraat", "Lombokstraat", "Soembawastraat", "Makassarstraat"]
SQUARES = ["Javaplein", "Ambonplein", "Makassarplein", "Timorplein", "Sumatraplantsoen"]

#: (title, text, background); {s} a street, {p} a square.
TOPICS = [
    ("Plantenbakken bij de containers in de {s}",
     "We zetten plantenbakken rond de ondergrondse containers in de {s}. Bewoners kiezen samen "
     "de planten en geven om beurten water.",
     "Rond de containers ligt vaak zwerfafval. Waar het groen is, laten mensen minder rommel achter."),
    ("Zwerfafval prikken in de {s}",
     "Elke eerste zaterdag van de maand prikken we zwerfafval in de {s}. De gemeente leent ons "
     "grijpers, handschoenen en zakken.",
     "Kinderen uit de buurt vragen of de stoep schoner kan."),
    ("Een moestuin op het {p}",
     "We beginnen een moestuin op het {p}: tien bakken voor kruiden en groente. Buren kunnen "
     "een bak adopteren; de oogst is voor iedereen.",
     "Veel bewoners hebben geen tuin. Samen tuinieren brengt mensen bij elkaar."),
    ("Buurtfeest in de {s}",
     "We organiseren in juni een buurtfeest in de {s}, met muziek, eten uit de buurt en een "
     "kleedjesmarkt voor kinderen.",
     "Nieuwe bewoners kennen hun buren nog niet."),
    ("Keukencollectief in het buurthuis",
     "Een keer per week koken we samen in het buurthuis aan de {s}. Iedereen betaalt wat hij kan; "
     "wat overblijft gaat naar de voedselbank.",
     "Ouderen eten vaak alleen."),
    ("Grofvuil op vaste dagen in de {s}",
     "We vragen de gemeente om grofvuil in de {s} op vaste dagen op te halen en zetten die dagen "
     "op briefjes bij de containers.",
     "Matrassen en kasten staan soms dagenlang op straat."),
    ("Geveltuintjes in de {s}",
     "Bewoners van de {s} krijgen hulp bij het aanleggen van geveltuintjes: wij halen de tegels "
     "eruit, zij planten.",
     "Geveltuinen maken de straat koeler en groener."),
    ("Bankjes op het {p}",
     "We vragen het stadsdeel om drie bankjes op het {p}, bij de speeltuin en de moestuin.",
     "Ouderen willen kunnen uitrusten als ze boodschappen doen."),
    ("Fietswrakken weg uit de {s}",
     "We melden de fietswrakken in de {s} bij de gemeente en hangen labels aan fietsen die "
     "al maanden niet bewegen.",
     "De rekken staan vol met wrakken; er is geen plek voor gewone fietsen."),
    ("Schoonmaakochtend rond de containers",
     "Na elk buurtfeest houden we een schoonmaakochtend rond de containers en op het {p}.",
     "Na feesten blijft er veel zwerfafval liggen."),
]

QUESTIONS = [
    "Wie betaalt de plantenbakken?", "Heeft de gemeente al toestemming gegeven?",
    "Hoeveel mensen zijn er nodig op zaterdag?", "Wie houdt de sleutel van het buurthuis?",
    "Mogen de kinderen van de school meedoen?", "Wat doen we als het regent?",
    "Ik weet dat de buren in de {s} ook mee willen doen.",
    "Er staat al een container voor grofvuil bij de {s}, wist je dat?",
    "Hoe lang duurt het voordat de moestuin iets oplevert?",
    "Is er stroom op het {p} voor de muziek van het buurtfeest?",
    "Wie spreekt met de woningcorporatie over de containers?",
]
OPINIONS = [
    "Goed plan, de containers zien er nu rommelig uit.",
    "Ik ben bang dat het zwerfafval terugkomt als niemand het bijhoudt.",
    "Mooi voor de kinderen uit de buurt.",
    "Ik doe graag mee, maar niet elke week.",
    "Laten we klein beginnen, in een straat, en dan kijken.",
    "De moestuin is een goed idee als er genoeg mensen water geven.",
    "Een buurtfeest kost veel werk; wie helpt met opruimen?",
    "Ik mis de mening van de ondernemers in de {s}.",
    "Dit past bij ons doel: een schone en groene buurt.",
    "Ik twijfel, het budget is al bijna op.",
]
REMARKS = [
    "Akkoord, maar laten we het na drie maanden evalueren.",
    "Ik stem in; let op de rolstoelen op de stoep.",
    "Prima, als de buren het ook weten.",
    "Akkoord. Graag foto's voor en na.",
]
REASONS = [
    "Ik kan hier niet mee werken: er is geen geld voor onderhoud.",
    "Het raakt ons doel: de stoep wordt te smal voor rolstoelen en kinderwagens.",
    "De buren in de {s} zijn niet gevraagd; zo verliezen we hun vertrouwen.",
    "Het zwerfafval verplaatst zich alleen naar de volgende straat.",
]
WORKABLE = [
    "Als we eerst met de gemeente praten over onderhoud.",
    "Een proef van drie maanden, dan kijken we opnieuw.",
    "Als de bewoners van de straat eerst een briefje krijgen.",
    "",
]
CHECK_IN = [
    "Goed, ik heb zin in vanavond.", "Moe, maar ik ben er.", "Blij dat de zon weer schijnt.",
    "Ik moet om negen uur weg.", "Druk op het werk, fijn om hier te zijn.",
]
