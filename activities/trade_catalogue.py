"""The cooperative's trade register (registre des métiers).

It lists the trades a member may practise through the cooperative, grouped in sectors. Each trade
has one of three admissions:

- ALLOWED: hosted without further check;
- ON_APPROVAL: legal for an employee of the cooperative, but an advisor checks the condition named in
  the reason (registration, certificate, insurance, licence) before the first contract;
- EXCLUDED: a regulated profession or activity the cooperative cannot host; the reason names the
  body or rule that reserves it.

The register itself is the one the member help pages point to ("Registre des métiers", seed 001).
The reasons are short summaries, written for members, of Belgian rules as publicly known
(professional orders and institutes, FSMA, AFSCA/FAVV, federal public services, the regions'
access-to-profession rules); they are not legal advice and are reviewed by the cooperative's
lawyers. This is plain data read by a data migration and by forms: codes are stable identifiers,
never rename one.
"""

from dataclasses import dataclass

ALLOWED = "allowed"
ON_APPROVAL = "on_approval"
EXCLUDED = "excluded"


@dataclass(frozen=True)
class TradeEntry:
    code: str  # stable slug, lowercase ascii with dashes, unique, <= 40 chars
    sector: str  # one of the SECTORS keys
    admission: str  # ALLOWED, ON_APPROVAL or EXCLUDED
    name_fr: str
    name_nl: str
    name_en: str
    reason_fr: str = ""  # required (non-empty) for ON_APPROVAL and EXCLUDED; empty for ALLOWED
    reason_nl: str = ""
    reason_en: str = ""


SECTORS: dict[str, tuple[str, str, str]] = {
    "arts": ("Arts et spectacle", "Kunsten en podium", "Arts and performance"),
    "audiovisual": (
        "Audiovisuel et métiers techniques du spectacle",
        "Audiovisueel en podiumtechniek",
        "Audiovisual and technical crafts",
    ),
    "design": ("Design et communication", "Design en communicatie", "Design and communication"),
    "writing": (
        "Écriture, traduction et édition",
        "Schrijven, vertalen en uitgeven",
        "Writing, translation and publishing",
    ),
    "education": ("Enseignement et formation", "Onderwijs en vorming", "Education and training"),
    "digital": ("Informatique et numérique", "IT en digitaal", "IT and digital"),
    "consulting": ("Conseil et recherche", "Advies en onderzoek", "Consulting and research"),
    "crafts": ("Artisanat et fabrication", "Ambacht en productie", "Crafts and manufacturing"),
    "wellbeing": ("Bien-être et soins", "Welzijn en zorg", "Wellbeing and care"),
    "services": ("Services et événements", "Diensten en evenementen", "Services and events"),
    "food": ("Alimentation", "Voeding", "Food"),
    "building": ("Bâtiment et habitat", "Bouw en wonen", "Building and home"),
    "transport": ("Transport et livraison", "Transport en levering", "Transport and delivery"),
}


TRADES: tuple[TradeEntry, ...] = (
    # --- Arts and performance -------------------------------------------------------------------
    TradeEntry("musician", "arts", ALLOWED, "Musicien·ne", "Muzikant", "Musician"),
    TradeEntry("singer", "arts", ALLOWED, "Chanteur·euse", "Zanger", "Singer"),
    TradeEntry("composer", "arts", ALLOWED, "Compositeur·rice", "Componist", "Composer"),
    TradeEntry("actor", "arts", ALLOWED, "Comédien·ne", "Acteur", "Actor"),
    TradeEntry("dancer", "arts", ALLOWED, "Danseur·euse", "Danser", "Dancer"),
    TradeEntry("choreographer", "arts", ALLOWED, "Chorégraphe", "Choreograaf", "Choreographer"),
    TradeEntry("stage-director", "arts", ALLOWED, "Metteur·euse en scène", "Theaterregisseur", "Stage director"),
    TradeEntry("visual-artist", "arts", ALLOWED, "Artiste plasticien·ne", "Beeldend kunstenaar", "Visual artist"),
    TradeEntry("circus-artist", "arts", ALLOWED, "Artiste de cirque", "Circusartiest", "Circus artist"),
    TradeEntry("dj", "arts", ALLOWED, "DJ", "DJ", "DJ"),
    # --- Audiovisual and technical crafts -------------------------------------------------------
    TradeEntry("photographer", "audiovisual", ALLOWED, "Photographe", "Fotograaf", "Photographer"),
    TradeEntry("videographer", "audiovisual", ALLOWED, "Vidéaste", "Videomaker", "Videographer"),
    TradeEntry("video-editor", "audiovisual", ALLOWED, "Monteur·euse vidéo", "Videomonteur", "Video editor"),
    TradeEntry("sound-engineer", "audiovisual", ALLOWED, "Ingénieur·e du son", "Geluidstechnicus", "Sound engineer"),
    TradeEntry("lighting-technician", "audiovisual", ALLOWED, "Éclairagiste", "Lichttechnicus", "Lighting technician"),
    TradeEntry("stage-manager", "audiovisual", ALLOWED, "Régisseur·euse plateau", "Toneelmeester", "Stage manager"),
    TradeEntry("set-designer", "audiovisual", ALLOWED, "Scénographe", "Scenograaf", "Set designer"),
    TradeEntry("costume-maker", "audiovisual", ALLOWED, "Costumier·ère", "Kostuummaker", "Costume maker"),
    TradeEntry(
        "make-up-artist",
        "audiovisual",
        ALLOWED,
        "Maquilleur·euse de spectacle",
        "Grimeur",
        "Stage and film make-up artist",
    ),
    TradeEntry(
        "drone-pilot",
        "audiovisual",
        ON_APPROVAL,
        "Télépilote de drone",
        "Dronepiloot",
        "Drone pilot",
        reason_fr=(
            "Chaque vol exige l'enregistrement de l'exploitant auprès de la DGTA, un brevet de télépilote "
            "correspondant à la catégorie EASA du vol et une assurance responsabilité aérienne."
        ),
        reason_nl=(
            "Elke vlucht vereist de registratie van de exploitant bij het DGLV, een bewijs van bekwaamheid "
            "als dronepiloot voor de EASA-categorie van de vlucht en een verzekering burgerlijke "
            "aansprakelijkheid voor de luchtvaart."
        ),
        reason_en=(
            "Every flight needs the operator registered with the Belgian Civil Aviation Authority (DGTA/DGLV), "
            "a remote pilot certificate for the EASA category flown and aviation liability insurance."
        ),
    ),
    TradeEntry(
        "rigger",
        "audiovisual",
        ON_APPROVAL,
        "Accrocheur·euse (rigging)",
        "Rigger",
        "Rigger",
        reason_fr=(
            "Le travail en hauteur et l'accroche de charges au-dessus du public demandent une formation "
            "attestée, du matériel contrôlé et une assurance couvrant ces risques."
        ),
        reason_nl=(
            "Werken op hoogte en lasten ophangen boven het publiek vergen een aantoonbare opleiding, "
            "gekeurd materiaal en een verzekering die deze risico's dekt."
        ),
        reason_en=(
            "Working at height and hanging loads above an audience require documented training, "
            "inspected equipment and insurance covering these risks."
        ),
    ),
    # --- Design and communication ---------------------------------------------------------------
    TradeEntry("graphic-designer", "design", ALLOWED, "Graphiste", "Grafisch vormgever", "Graphic designer"),
    TradeEntry("illustrator", "design", ALLOWED, "Illustrateur·rice", "Illustrator", "Illustrator"),
    TradeEntry("ux-designer", "design", ALLOWED, "Designer UX/UI", "UX/UI-ontwerper", "UX/UI designer"),
    TradeEntry("animator", "design", ALLOWED, "Animateur·rice 2D/3D", "2D/3D-animator", "2D/3D animator"),
    TradeEntry(
        "community-manager",
        "design",
        ALLOWED,
        "Gestionnaire de communauté en ligne",
        "Communitymanager",
        "Community manager",
    ),
    TradeEntry(
        "interior-decorator",
        "design",
        ALLOWED,
        "Décorateur·rice d'intérieur",
        "Interieurdecorateur",
        "Interior decorator",
    ),
    TradeEntry(
        "landscape-designer",
        "design",
        ALLOWED,
        "Paysagiste concepteur·rice",
        "Tuinontwerper",
        "Garden and landscape designer",
    ),
    TradeEntry("product-designer", "design", ALLOWED, "Designer industriel·le", "Productontwerper", "Product designer"),
    # --- Writing, translation and publishing ----------------------------------------------------
    TradeEntry("translator", "writing", ALLOWED, "Traducteur·rice", "Vertaler", "Translator"),
    TradeEntry(
        "conference-interpreter",
        "writing",
        ALLOWED,
        "Interprète de conférence",
        "Conferentietolk",
        "Conference interpreter",
    ),
    TradeEntry(
        "sign-language-interpreter",
        "writing",
        ALLOWED,
        "Interprète en langue des signes",
        "Gebarentaaltolk",
        "Sign language interpreter",
    ),
    TradeEntry("copywriter", "writing", ALLOWED, "Rédacteur·rice publicitaire", "Copywriter", "Copywriter"),
    TradeEntry("journalist", "writing", ALLOWED, "Journaliste", "Journalist", "Journalist"),
    TradeEntry("author", "writing", ALLOWED, "Auteur·rice", "Auteur", "Author"),
    TradeEntry("screenwriter", "writing", ALLOWED, "Scénariste", "Scenarist", "Screenwriter"),
    TradeEntry("crossword-setter", "writing", ALLOWED, "Verbicruciste", "Puzzelmaker", "Crossword setter"),
    # --- Education and training -----------------------------------------------------------------
    TradeEntry("trainer", "education", ALLOWED, "Formateur·rice", "Opleider", "Trainer"),
    TradeEntry(
        "workshop-facilitator",
        "education",
        ALLOWED,
        "Animateur·rice d'ateliers",
        "Workshopbegeleider",
        "Workshop facilitator",
    ),
    TradeEntry("language-teacher", "education", ALLOWED, "Professeur·e de langues", "Taallesgever", "Language teacher"),
    TradeEntry("music-teacher", "education", ALLOWED, "Professeur·e de musique", "Muziekleerkracht", "Music teacher"),
    TradeEntry("dance-teacher", "education", ALLOWED, "Professeur·e de danse", "Dansleerkracht", "Dance teacher"),
    TradeEntry(
        "elearning-designer",
        "education",
        ALLOWED,
        "Concepteur·rice de formations en ligne",
        "E-learningontwikkelaar",
        "E-learning designer",
    ),
    TradeEntry(
        "children-camp-leader",
        "education",
        ON_APPROVAL,
        "Animateur·rice de stages pour enfants",
        "Begeleider van kinderkampen",
        "Children's holiday camp leader",
        reason_fr=(
            "Le travail avec des mineurs exige un extrait de casier judiciaire modèle 2 (dit « 596.2 ») récent "
            "et une assurance couvrant les enfants accueillis."
        ),
        reason_nl=(
            "Werken met minderjarigen vereist een recent uittreksel uit het strafregister model 2 (het "
            "zogenaamde '596.2') en een verzekering voor de deelnemende kinderen."
        ),
        reason_en=(
            "Working with minors requires a recent extract from the criminal record, model 2 (known as "
            "'596.2'), and insurance covering the children taking part."
        ),
    ),
    TradeEntry(
        "private-tutor",
        "education",
        ON_APPROVAL,
        "Professeur·e particulier·ère",
        "Bijlesgever",
        "Private tutor",
        reason_fr=(
            "Donner cours à des mineurs exige un extrait de casier judiciaire modèle 2 (dit « 596.2 »), "
            "à présenter avant le premier cours."
        ),
        reason_nl=(
            "Les geven aan minderjarigen vereist een uittreksel uit het strafregister model 2 (het "
            "zogenaamde '596.2'), voor te leggen vóór de eerste les."
        ),
        reason_en=(
            "Teaching minors requires an extract from the criminal record, model 2 (known as '596.2'), "
            "shown before the first lesson."
        ),
    ),
    # --- IT and digital -------------------------------------------------------------------------
    TradeEntry("web-developer", "digital", ALLOWED, "Développeur·euse web", "Webontwikkelaar", "Web developer"),
    TradeEntry(
        "software-developer",
        "digital",
        ALLOWED,
        "Développeur·euse logiciel",
        "Softwareontwikkelaar",
        "Software developer",
    ),
    TradeEntry(
        "game-developer",
        "digital",
        ALLOWED,
        "Créateur·rice de jeux vidéo",
        "Gameontwikkelaar",
        "Video game developer",
    ),
    TradeEntry("data-analyst", "digital", ALLOWED, "Analyste de données", "Data-analist", "Data analyst"),
    TradeEntry(
        "it-support",
        "digital",
        ALLOWED,
        "Technicien·ne informatique",
        "IT-supportmedewerker",
        "IT support technician",
    ),
    # --- Consulting and research ----------------------------------------------------------------
    TradeEntry(
        "management-consultant",
        "consulting",
        ALLOWED,
        "Consultant·e en gestion",
        "Managementconsultant",
        "Management consultant",
    ),
    TradeEntry("researcher", "consulting", ALLOWED, "Chercheur·euse", "Onderzoeker", "Researcher"),
    TradeEntry(
        "cultural-project-manager",
        "consulting",
        ALLOWED,
        "Chargé·e de projets culturels",
        "Cultureel projectleider",
        "Cultural project manager",
    ),
    TradeEntry(
        "professional-coach",
        "consulting",
        ALLOWED,
        "Coach professionnel·le",
        "Loopbaan- en bedrijfscoach",
        "Career and business coach",
    ),
    TradeEntry(
        "grant-writer",
        "consulting",
        ALLOWED,
        "Rédacteur·rice de dossiers de subsides",
        "Subsidieschrijver",
        "Grant writer",
    ),
    TradeEntry(
        "sustainability-consultant",
        "consulting",
        ALLOWED,
        "Conseiller·ère en transition écologique",
        "Duurzaamheidsadviseur",
        "Sustainability consultant",
    ),
    TradeEntry(
        "lawyer",
        "consulting",
        EXCLUDED,
        "Avocat·e",
        "Advocaat",
        "Lawyer",
        reason_fr=(
            "Le titre d'avocat exige l'inscription à un barreau, dont les règles d'indépendance ne permettent "
            "pas d'exercer comme salarié·e de la coopérative."
        ),
        reason_nl=(
            "De titel van advocaat vereist inschrijving bij een balie, waarvan de regels over onafhankelijkheid "
            "de uitoefening als werknemer van de coöperatie niet toelaten."
        ),
        reason_en=(
            "The title of lawyer requires registration with a bar, whose independence rules do not allow "
            "practising as an employee of the cooperative."
        ),
    ),
    TradeEntry(
        "notary",
        "consulting",
        EXCLUDED,
        "Notaire",
        "Notaris",
        "Notary",
        reason_fr=(
            "Le notaire est un officier public nommé par le Roi, qui n'exerce qu'au sein d'une étude notariale."
        ),
        reason_nl=(
            "De notaris is een openbaar ambtenaar, benoemd door de Koning, die alleen in een notariskantoor werkt."
        ),
        reason_en="A notary is a public officer appointed by the King who practises only within a notarial office.",
    ),
    TradeEntry(
        "bailiff",
        "consulting",
        EXCLUDED,
        "Huissier·ère de justice",
        "Gerechtsdeurwaarder",
        "Bailiff",
        reason_fr=(
            "L'huissier de justice est un officier public et ministériel nommé par le Roi et membre de la "
            "Chambre nationale des huissiers de justice."
        ),
        reason_nl=(
            "De gerechtsdeurwaarder is een openbaar en ministerieel ambtenaar, benoemd door de Koning en lid "
            "van de Nationale Kamer van Gerechtsdeurwaarders."
        ),
        reason_en=(
            "A bailiff is a public and ministerial officer appointed by the King and a member of the National "
            "Chamber of Bailiffs."
        ),
    ),
    TradeEntry(
        "accountant-tax-adviser",
        "consulting",
        EXCLUDED,
        "Expert-comptable et conseiller·ère fiscal·e",
        "Accountant en belastingadviseur",
        "Accountant and tax adviser",
        reason_fr=(
            "La tenue de comptabilités pour des tiers est réservée aux professionnels inscrits à l'ITAA, qui "
            "protège aussi les titres d'expert-comptable et de conseiller fiscal."
        ),
        reason_nl=(
            "Boekhouding voor derden is voorbehouden aan beroepsbeoefenaars die bij het ITAA zijn ingeschreven, "
            "dat ook de titels van accountant en belastingadviseur beschermt."
        ),
        reason_en=(
            "Keeping accounts for third parties is reserved for professionals registered with the ITAA, which "
            "also protects the titles of accountant and tax adviser."
        ),
    ),
    TradeEntry(
        "company-auditor",
        "consulting",
        EXCLUDED,
        "Réviseur·e d'entreprises",
        "Bedrijfsrevisor",
        "Company auditor",
        reason_fr=(
            "Le contrôle légal des comptes est réservé aux réviseurs d'entreprises inscrits au registre public "
            "de l'IRE."
        ),
        reason_nl=(
            "De wettelijke controle van de jaarrekening is voorbehouden aan bedrijfsrevisoren in het openbaar "
            "register van het IBR."
        ),
        reason_en=(
            "Statutory audits are reserved for company auditors entered in the public register of the "
            "Institute of Registered Auditors (IRE/IBR)."
        ),
    ),
    TradeEntry(
        "insurance-credit-intermediary",
        "consulting",
        EXCLUDED,
        "Intermédiaire en assurances ou en crédit",
        "Verzekerings- of kredietbemiddelaar",
        "Insurance or credit intermediary",
        reason_fr=(
            "L'intermédiation en assurances ou en crédit exige l'inscription de l'entreprise qui l'exerce au "
            "registre de la FSMA."
        ),
        reason_nl=(
            "Verzekerings- of kredietbemiddeling vereist de inschrijving van de onderneming die ze uitoefent in "
            "het register van de FSMA."
        ),
        reason_en=(
            "Insurance or credit intermediation requires the firm carrying it out to be entered in the FSMA register."
        ),
    ),
    TradeEntry(
        "financial-adviser",
        "consulting",
        EXCLUDED,
        "Conseiller·ère financier·ère",
        "Financieel adviseur",
        "Financial adviser",
        reason_fr=(
            "Le conseil en placements et la planification financière exigent un agrément ou une inscription "
            "auprès de la FSMA au nom de l'entreprise qui les exerce."
        ),
        reason_nl=(
            "Beleggingsadvies en financiële planning vereisen een vergunning of inschrijving bij de FSMA op "
            "naam van de onderneming die ze verstrekt."
        ),
        reason_en=(
            "Investment advice and financial planning require an authorisation or registration with the FSMA "
            "in the name of the firm providing them."
        ),
    ),
    # --- Crafts and manufacturing ---------------------------------------------------------------
    TradeEntry("jewellery-maker", "crafts", ALLOWED, "Créateur·rice de bijoux", "Juweelontwerper", "Jewellery maker"),
    TradeEntry("ceramicist", "crafts", ALLOWED, "Céramiste", "Keramist", "Ceramicist"),
    TradeEntry("cabinetmaker", "crafts", ALLOWED, "Ébéniste", "Meubelmaker", "Cabinetmaker"),
    TradeEntry("tailor", "crafts", ALLOWED, "Couturier·ère", "Kleermaker", "Tailor and dressmaker"),
    TradeEntry("luthier", "crafts", ALLOWED, "Luthier·ère", "Instrumentenbouwer", "Luthier"),
    TradeEntry("screen-printer", "crafts", ALLOWED, "Sérigraphe", "Zeefdrukker", "Screen printer"),
    TradeEntry("sheep-shearer", "crafts", ALLOWED, "Tondeur·euse de moutons", "Schapenscheerder", "Sheep shearer"),
    TradeEntry(
        "tattoo-piercing",
        "crafts",
        ON_APPROVAL,
        "Tatoueur·euse et perceur·euse",
        "Tatoeëerder en piercer",
        "Tattoo and piercing artist",
        reason_fr=(
            "Le tatouage et le piercing sont réservés aux praticiens agréés par le SPF Santé publique après une "
            "formation en hygiène, et le lieu comme le matériel sont soumis à des règles d'hygiène contrôlées."
        ),
        reason_nl=(
            "Tatoeëren en piercen zijn voorbehouden aan beoefenaars die na een hygiëneopleiding erkend zijn "
            "door de FOD Volksgezondheid, en de ruimte en het materiaal moeten aan gecontroleerde "
            "hygiëneregels voldoen."
        ),
        reason_en=(
            "Tattooing and piercing are reserved for practitioners approved by the FPS Public Health after "
            "hygiene training, and the premises and equipment must meet inspected hygiene rules."
        ),
    ),
    # --- Wellbeing and care ---------------------------------------------------------------------
    TradeEntry("yoga-teacher", "wellbeing", ALLOWED, "Professeur·e de yoga", "Yogadocent", "Yoga teacher"),
    TradeEntry(
        "mindfulness-teacher",
        "wellbeing",
        ALLOWED,
        "Instructeur·rice de pleine conscience",
        "Mindfulnesstrainer",
        "Mindfulness teacher",
    ),
    TradeEntry(
        "tai-chi-teacher",
        "wellbeing",
        ALLOWED,
        "Professeur·e de tai-chi et qi gong",
        "Lesgever tai chi en qigong",
        "Tai chi and qigong teacher",
    ),
    TradeEntry(
        "wellness-massage",
        "wellbeing",
        ON_APPROVAL,
        "Masseur·euse bien-être",
        "Wellnessmasseur",
        "Wellness massage practitioner",
        reason_fr=(
            "Seul le massage de détente sans visée thérapeutique est possible, car tout acte de soin relève des "
            "professions des soins de santé, et Bruxelles soumet le massage à l'accès à la profession."
        ),
        reason_nl=(
            "Alleen ontspanningsmassage zonder therapeutisch doel is mogelijk, want elke zorghandeling behoort "
            "tot de gezondheidszorgberoepen, en Brussel onderwerpt massage aan de toegang tot het beroep."
        ),
        reason_en=(
            "Only relaxation massage with no therapeutic aim is possible, since any act of care belongs to the "
            "health care professions, and Brussels subjects massage to access-to-profession rules."
        ),
    ),
    TradeEntry(
        "personal-trainer",
        "wellbeing",
        ON_APPROVAL,
        "Coach sportif·ve",
        "Personal trainer",
        "Personal trainer and sports coach",
        reason_fr=(
            "Les participants doivent être couverts par une assurance responsabilité civile et accidents "
            "adaptée, et la rééducation relève de la kinésithérapie, pas du coaching."
        ),
        reason_nl=(
            "De deelnemers moeten gedekt zijn door een passende verzekering burgerlijke aansprakelijkheid en "
            "ongevallen, en revalidatie behoort tot de kinesitherapie, niet tot coaching."
        ),
        reason_en=(
            "Participants must be covered by suitable liability and accident insurance, and rehabilitation "
            "belongs to physiotherapy, not coaching."
        ),
    ),
    TradeEntry(
        "sophrologist",
        "wellbeing",
        ON_APPROVAL,
        "Sophrologue",
        "Sofroloog",
        "Sophrologist",
        reason_fr=(
            "Aucun diagnostic ni traitement n'est permis, car ils relèvent de l'art de guérir réservé aux "
            "professions des soins de santé."
        ),
        reason_nl=(
            "Diagnose en behandeling zijn niet toegestaan, omdat ze tot de geneeskunst behoren, die "
            "voorbehouden is aan de gezondheidszorgberoepen."
        ),
        reason_en=(
            "No diagnosis or treatment is allowed, since both belong to the practice of medicine reserved for "
            "the health care professions."
        ),
    ),
    TradeEntry(
        "nutrition-coach",
        "wellbeing",
        ON_APPROVAL,
        "Coach en alimentation",
        "Voedingscoach",
        "Nutrition coach",
        reason_fr=(
            "Les conseils doivent rester généraux, car les avis diététiques à visée thérapeutique sont réservés "
            "aux diététicien·nes agréé·es porteurs d'un visa."
        ),
        reason_nl=(
            "Het advies moet algemeen blijven, want dieetadvies met een therapeutisch doel is voorbehouden aan "
            "erkende diëtisten met een visum."
        ),
        reason_en=(
            "Advice must stay general, since dietary advice with a therapeutic aim is reserved for recognised "
            "dietitians holding a visa."
        ),
    ),
    TradeEntry(
        "childminder",
        "wellbeing",
        ON_APPROVAL,
        "Garde d'enfants à domicile",
        "Kinderoppas aan huis",
        "Home childminder",
        reason_fr=(
            "Un extrait de casier judiciaire modèle 2 (dit « 596.2 ») est exigé, et l'accueil d'enfants de moins "
            "de trois ans hors de leur famille demande une autorisation de l'ONE ou d'Opgroeien."
        ),
        reason_nl=(
            "Een uittreksel uit het strafregister model 2 (het zogenaamde '596.2') is vereist, en de opvang van "
            "kinderen jonger dan drie jaar buiten het gezin vraagt een vergunning van Opgroeien of de ONE."
        ),
        reason_en=(
            "An extract from the criminal record, model 2 (known as '596.2'), is required, and caring for "
            "children under three outside their family needs an authorisation from ONE or Opgroeien."
        ),
    ),
    TradeEntry(
        "physician",
        "wellbeing",
        EXCLUDED,
        "Médecin",
        "Arts",
        "Physician",
        reason_fr=(
            "La médecine est réservée aux médecins porteurs d'un visa du SPF Santé publique et inscrits à "
            "l'Ordre des médecins, une responsabilité professionnelle que la coopérative ne peut pas porter."
        ),
        reason_nl=(
            "Geneeskunde is voorbehouden aan artsen met een visum van de FOD Volksgezondheid die ingeschreven "
            "zijn bij de Orde der artsen, een beroepsaansprakelijkheid die de coöperatie niet kan dragen."
        ),
        reason_en=(
            "Medicine is reserved for doctors holding a visa from the FPS Public Health and registered with "
            "the Order of Physicians, a professional liability the cooperative cannot carry."
        ),
    ),
    TradeEntry(
        "dentist",
        "wellbeing",
        EXCLUDED,
        "Dentiste",
        "Tandarts",
        "Dentist",
        reason_fr=(
            "L'art dentaire est réservé aux dentistes porteurs d'un visa du SPF Santé publique et sort du champ "
            "d'activités que la coopérative peut couvrir."
        ),
        reason_nl=(
            "Tandheelkunde is voorbehouden aan tandartsen met een visum van de FOD Volksgezondheid en valt "
            "buiten de activiteiten die de coöperatie kan dekken."
        ),
        reason_en=(
            "Dentistry is reserved for dentists holding a visa from the FPS Public Health and lies outside the "
            "activities the cooperative can cover."
        ),
    ),
    TradeEntry(
        "nurse",
        "wellbeing",
        EXCLUDED,
        "Infirmier·ère",
        "Verpleegkundige",
        "Nurse",
        reason_fr=(
            "Les soins infirmiers sont réservés aux infirmier·ères porteurs d'un visa du SPF Santé publique et "
            "engagent une responsabilité de soins que la coopérative ne couvre pas."
        ),
        reason_nl=(
            "Verpleegkundige zorg is voorbehouden aan verpleegkundigen met een visum van de FOD "
            "Volksgezondheid en brengt een zorgaansprakelijkheid mee die de coöperatie niet dekt."
        ),
        reason_en=(
            "Nursing care is reserved for nurses holding a visa from the FPS Public Health and carries a "
            "liability for care the cooperative does not cover."
        ),
    ),
    TradeEntry(
        "physiotherapist",
        "wellbeing",
        EXCLUDED,
        "Kinésithérapeute",
        "Kinesitherapeut",
        "Physiotherapist",
        reason_fr=(
            "La kinésithérapie est une profession des soins de santé qui exige un agrément et un visa du SPF "
            "Santé publique."
        ),
        reason_nl=(
            "Kinesitherapie is een gezondheidszorgberoep waarvoor een erkenning en een visum van de FOD "
            "Volksgezondheid nodig zijn."
        ),
        reason_en=(
            "Physiotherapy is a health care profession that requires a recognition and a visa from the FPS "
            "Public Health."
        ),
    ),
    TradeEntry(
        "psychologist",
        "wellbeing",
        EXCLUDED,
        "Psychologue",
        "Psycholoog",
        "Psychologist",
        reason_fr=(
            "Le titre de psychologue est protégé et exige l'inscription à la Commission des Psychologues, et la "
            "psychologie clinique est une profession des soins de santé soumise à visa."
        ),
        reason_nl=(
            "De titel van psycholoog is beschermd en vereist inschrijving bij de Psychologencommissie, en "
            "klinische psychologie is een gezondheidszorgberoep waarvoor een visum nodig is."
        ),
        reason_en=(
            "The title of psychologist is protected and requires registration with the Psychologists' "
            "Commission, and clinical psychology is a health care profession that needs a visa."
        ),
    ),
    TradeEntry(
        "psychotherapist",
        "wellbeing",
        EXCLUDED,
        "Psychothérapeute",
        "Psychotherapeut",
        "Psychotherapist",
        reason_fr=(
            "La psychothérapie est une pratique que la loi réserve à certains professionnels des soins de santé "
            "ayant suivi une formation spécifique."
        ),
        reason_nl=(
            "Psychotherapie is een praktijk die de wet voorbehoudt aan bepaalde gezondheidszorgbeoefenaars met "
            "een specifieke opleiding."
        ),
        reason_en=(
            "Psychotherapy is a practice the law reserves for certain health care professionals with specific training."
        ),
    ),
    TradeEntry(
        "pharmacist",
        "wellbeing",
        EXCLUDED,
        "Pharmacien·ne",
        "Apotheker",
        "Pharmacist",
        reason_fr=(
            "La délivrance de médicaments est réservée aux pharmacien·nes, dans une officine autorisée par l'AFMPS."
        ),
        reason_nl=(
            "Het afleveren van geneesmiddelen is voorbehouden aan apothekers, in een apotheek die door het "
            "FAGG is vergund."
        ),
        reason_en="Dispensing medicines is reserved for pharmacists working in a pharmacy authorised by the FAMHP.",
    ),
    TradeEntry(
        "veterinary-surgeon",
        "wellbeing",
        EXCLUDED,
        "Vétérinaire",
        "Dierenarts",
        "Veterinary surgeon",
        reason_fr=(
            "La médecine vétérinaire exige l'inscription à l'Ordre des Médecins Vétérinaires, une "
            "responsabilité professionnelle que la coopérative ne peut pas porter."
        ),
        reason_nl=(
            "Diergeneeskunde vereist inschrijving bij de Orde der Dierenartsen, een beroepsaansprakelijkheid "
            "die de coöperatie niet kan dragen."
        ),
        reason_en=(
            "Veterinary medicine requires registration with the Order of Veterinarians, a professional "
            "liability the cooperative cannot carry."
        ),
    ),
    # --- Services and events --------------------------------------------------------------------
    TradeEntry(
        "event-host",
        "services",
        ALLOWED,
        "Animateur·rice et présentateur·rice d'événements",
        "Presentator",
        "Event host",
    ),
    TradeEntry(
        "event-planner",
        "services",
        ALLOWED,
        "Organisateur·rice d'événements",
        "Evenementenorganisator",
        "Event planner",
    ),
    TradeEntry("tour-guide", "services", ALLOWED, "Guide touristique", "Toeristische gids", "Tour guide"),
    TradeEntry(
        "ceremony-officiant",
        "services",
        ALLOWED,
        "Officiant·e de cérémonies laïques",
        "Ceremoniespreker",
        "Secular ceremony officiant",
    ),
    TradeEntry(
        "virtual-assistant",
        "services",
        ALLOWED,
        "Assistant·e administratif·ve à distance",
        "Virtueel assistent",
        "Virtual assistant",
    ),
    TradeEntry(
        "event-bar",
        "services",
        ON_APPROVAL,
        "Tenue de bar lors d'événements",
        "Bar uitbaten op evenementen",
        "Event bar with alcohol sales",
        reason_fr=(
            "Servir de l'alcool exige un enregistrement auprès de l'AFSCA, le respect des interdictions de vente "
            "aux mineurs et, pour les boissons spiritueuses, une autorisation de la commune."
        ),
        reason_nl=(
            "Alcohol schenken vereist een registratie bij het FAVV, naleving van het verkoopverbod aan "
            "minderjarigen en, voor sterke drank, een vergunning van de gemeente."
        ),
        reason_en=(
            "Serving alcohol requires registration with the FASFC, compliance with the bans on sales to minors "
            "and, for spirits, a permit from the municipality."
        ),
    ),
    TradeEntry(
        "pyrotechnician",
        "services",
        ON_APPROVAL,
        "Pyrotechnicien·ne",
        "Pyrotechnicus",
        "Pyrotechnician",
        reason_fr=(
            "Les articles pyrotechniques professionnels sont réservés aux personnes dont les connaissances "
            "particulières sont reconnues par le SPF Économie, et chaque tir demande l'accord de la commune et "
            "une assurance."
        ),
        reason_nl=(
            "Professioneel vuurwerk is voorbehouden aan personen met gespecialiseerde kennis die door de FOD "
            "Economie erkend is, en elk vuurwerk vraagt de toestemming van de gemeente en een verzekering."
        ),
        reason_en=(
            "Professional pyrotechnic articles are reserved for persons whose specialist knowledge is "
            "recognised by the FPS Economy, and every display needs the municipality's consent and insurance."
        ),
    ),
    TradeEntry(
        "goods-reseller",
        "services",
        ON_APPROVAL,
        "Revente de marchandises",
        "Wederverkoop van goederen",
        "Resale of goods bought in",
        reason_fr=(
            "L'achat-revente est une activité commerciale et non une prestation de service : le stock, la "
            "marge, la TVA et les garanties dues au consommateur doivent être validés avec un·e conseiller·ère."
        ),
        reason_nl=(
            "Aan- en verkoop is een handelsactiviteit en geen dienstverlening: voorraad, marge, btw en de "
            "garanties voor de consument moeten met een adviseur worden afgestemd."
        ),
        reason_en=(
            "Buying to resell is a trading activity rather than a service: stock, margin, VAT and consumer "
            "guarantees must be agreed with an advisor."
        ),
    ),
    TradeEntry(
        "private-security",
        "services",
        EXCLUDED,
        "Agent·e de gardiennage",
        "Bewakingsagent",
        "Security guard",
        reason_fr=(
            "Le gardiennage exige une autorisation du SPF Intérieur pour l'entreprise et une carte "
            "d'identification pour chaque agent."
        ),
        reason_nl=(
            "Bewaking vereist een vergunning van de FOD Binnenlandse Zaken voor de onderneming en een "
            "identificatiekaart voor elke agent."
        ),
        reason_en=(
            "Private security requires a licence from the FPS Home Affairs for the firm and an identification "
            "card for each guard."
        ),
    ),
    TradeEntry(
        "temp-agency",
        "services",
        EXCLUDED,
        "Agence d'intérim et mise à disposition de personnel",
        "Uitzendbureau en terbeschikkingstelling van personeel",
        "Temping agency and staff leasing",
        reason_fr=(
            "Mettre des travailleurs à la disposition d'un utilisateur est interdit hors du travail intérimaire "
            "agréé par la Région et des exceptions légales, et la coopérative emploie ses membres pour leurs "
            "propres clients."
        ),
        reason_nl=(
            "Werknemers ter beschikking stellen van een gebruiker is verboden buiten de door het Gewest erkende "
            "uitzendarbeid en de wettelijke uitzonderingen, en de coöperatie stelt haar leden tewerk voor hun "
            "eigen klanten."
        ),
        reason_en=(
            "Placing workers at a user's disposal is prohibited outside regionally approved temporary agency "
            "work and the legal exceptions, and the cooperative employs its members for their own clients."
        ),
    ),
    # --- Food -----------------------------------------------------------------------------------
    TradeEntry("food-stylist", "food", ALLOWED, "Styliste culinaire", "Foodstylist", "Food stylist"),
    TradeEntry(
        "culinary-consultant",
        "food",
        ALLOWED,
        "Consultant·e culinaire",
        "Culinair adviseur",
        "Culinary consultant",
    ),
    TradeEntry(
        "caterer",
        "food",
        ON_APPROVAL,
        "Traiteur",
        "Cateraar",
        "Caterer",
        reason_fr=(
            "L'AFSCA doit enregistrer ou autoriser l'activité avant toute manipulation d'aliments, et le métier "
            "de traiteur reste soumis à l'accès à la profession en Wallonie et à Bruxelles."
        ),
        reason_nl=(
            "Het FAVV moet de activiteit registreren of toelaten vóór enige behandeling van levensmiddelen, en "
            "catering blijft in Wallonië en Brussel onderworpen aan de toegang tot het beroep."
        ),
        reason_en=(
            "The FASFC must register or authorise the activity before any food is handled, and catering is "
            "still subject to access-to-profession rules in Wallonia and Brussels."
        ),
    ),
    TradeEntry(
        "baker",
        "food",
        ON_APPROVAL,
        "Boulanger·ère-pâtissier·ère",
        "Bakker-banketbakker",
        "Baker and pastry cook",
        reason_fr=(
            "La production de pain et de pâtisseries exige un enregistrement auprès de l'AFSCA et un atelier "
            "conforme, et le métier reste soumis à l'accès à la profession en Wallonie et à Bruxelles."
        ),
        reason_nl=(
            "Het bakken van brood en gebak vereist een registratie bij het FAVV en een conform atelier, en het "
            "beroep blijft in Wallonië en Brussel onderworpen aan de toegang tot het beroep."
        ),
        reason_en=(
            "Making bread and pastries requires registration with the FASFC and a compliant workshop, and the "
            "trade is still subject to access-to-profession rules in Wallonia and Brussels."
        ),
    ),
    TradeEntry(
        "private-chef",
        "food",
        ON_APPROVAL,
        "Chef à domicile",
        "Thuiskok",
        "Private chef",
        reason_fr=(
            "Cuisiner chez le client reste une manipulation d'aliments qui exige un enregistrement auprès de "
            "l'AFSCA et le respect des règles d'hygiène alimentaire."
        ),
        reason_nl=(
            "Koken bij de klant blijft een behandeling van levensmiddelen die een registratie bij het FAVV en "
            "naleving van de regels inzake voedselhygiëne vereist."
        ),
        reason_en=(
            "Cooking at the client's home is still food handling, which requires registration with the FASFC "
            "and compliance with food hygiene rules."
        ),
    ),
    TradeEntry(
        "food-stall",
        "food",
        ON_APPROVAL,
        "Vente d'aliments sur les marchés",
        "Verkoop van voeding op markten",
        "Food stall and food truck",
        reason_fr=(
            "La vente sur la voie publique exige une autorisation d'activité ambulante, et la vente de denrées "
            "un enregistrement auprès de l'AFSCA."
        ),
        reason_nl=(
            "Verkoop op het openbaar domein vereist een machtiging voor ambulante activiteiten, en de verkoop "
            "van levensmiddelen een registratie bij het FAVV."
        ),
        reason_en=(
            "Selling in public places requires an itinerant trading authorisation, and selling food a "
            "registration with the FASFC."
        ),
    ),
    # --- Building and home ----------------------------------------------------------------------
    TradeEntry("gardener", "building", ALLOWED, "Jardinier·ère", "Tuinier", "Gardener"),
    TradeEntry("home-stager", "building", ALLOWED, "Home stager", "Homestager", "Home stager"),
    TradeEntry(
        "renovation",
        "building",
        ON_APPROVAL,
        "Rénovation et petits travaux",
        "Renovatie en kleine klussen",
        "Renovation and odd jobs",
        reason_fr=(
            "En Wallonie et à Bruxelles, la plupart des métiers du bâtiment restent soumis à l'accès à la "
            "profession, et l'assurance, la sécurité du chantier et la TVA des travaux immobiliers doivent être "
            "vérifiées."
        ),
        reason_nl=(
            "In Wallonië en Brussel blijven de meeste bouwberoepen onderworpen aan de toegang tot het beroep, "
            "en verzekering, veiligheid op de werf en btw op werken in onroerende staat moeten worden "
            "nagekeken."
        ),
        reason_en=(
            "In Wallonia and Brussels most building trades are still subject to access-to-profession rules, "
            "and insurance, site safety and VAT on building work must be checked."
        ),
    ),
    TradeEntry(
        "electrician",
        "building",
        ON_APPROVAL,
        "Électricien·ne",
        "Elektricien",
        "Electrician",
        reason_fr=(
            "L'électrotechnique reste soumise à l'accès à la profession en Wallonie et à Bruxelles, et toute "
            "nouvelle installation doit être contrôlée par un organisme agréé selon le RGIE."
        ),
        reason_nl=(
            "Elektrotechniek blijft in Wallonië en Brussel onderworpen aan de toegang tot het beroep, en elke "
            "nieuwe installatie moet volgens het AREI door een erkend organisme worden gekeurd."
        ),
        reason_en=(
            "Electrical work is still subject to access-to-profession rules in Wallonia and Brussels, and every "
            "new installation must be inspected by an accredited body under the RGIE/AREI."
        ),
    ),
    TradeEntry(
        "tree-surgeon",
        "building",
        ON_APPROVAL,
        "Élagueur·euse",
        "Boomverzorger",
        "Tree surgeon",
        reason_fr=(
            "Le travail en hauteur à la tronçonneuse exige une formation, des équipements de protection et une "
            "assurance couvrant les dommages aux tiers."
        ),
        reason_nl=(
            "Werken op hoogte met een kettingzaag vereist een opleiding, beschermingsmiddelen en een "
            "verzekering voor schade aan derden."
        ),
        reason_en=(
            "Working at height with a chainsaw requires training, protective equipment and insurance covering "
            "damage to third parties."
        ),
    ),
    TradeEntry(
        "architect",
        "building",
        EXCLUDED,
        "Architecte",
        "Architect",
        "Architect",
        reason_fr=(
            "La profession d'architecte exige l'inscription à l'Ordre des architectes et s'exerce comme "
            "indépendant·e ou dans une société d'architectes, ce que la coopérative n'est pas."
        ),
        reason_nl=(
            "Het beroep van architect vereist inschrijving bij de Orde van Architecten en wordt uitgeoefend als "
            "zelfstandige of in een architectenvennootschap, wat de coöperatie niet is."
        ),
        reason_en=(
            "The architect's profession requires registration with the Order of Architects and is practised "
            "self-employed or in an architects' company, which the cooperative is not."
        ),
    ),
    TradeEntry(
        "real-estate-agent",
        "building",
        EXCLUDED,
        "Agent·e immobilier·ère",
        "Vastgoedmakelaar",
        "Real-estate agent",
        reason_fr=(
            "L'intermédiation immobilière et la gestion de biens pour des tiers sont réservées aux agents "
            "immobiliers agréés par l'IPI."
        ),
        reason_nl=(
            "Vastgoedbemiddeling en het beheer van goederen voor derden zijn voorbehouden aan "
            "vastgoedmakelaars die door het BIV erkend zijn."
        ),
        reason_en=(
            "Property brokerage and managing property for third parties are reserved for real-estate agents "
            "approved by the Professional Institute of Real-Estate Agents (IPI/BIV)."
        ),
    ),
    # --- Transport and delivery -----------------------------------------------------------------
    TradeEntry("bicycle-courier", "transport", ALLOWED, "Coursier·ère à vélo", "Fietskoerier", "Bicycle courier"),
    TradeEntry(
        "cargo-bike-mover",
        "transport",
        ALLOWED,
        "Déménageur·euse à vélo cargo",
        "Verhuizer met bakfiets",
        "Cargo-bike removals",
    ),
    TradeEntry(
        "bicycle-mechanic",
        "transport",
        ON_APPROVAL,
        "Mécanicien·ne vélo",
        "Fietsmecanicien",
        "Bicycle mechanic",
        reason_fr=(
            "La réparation de cycles reste soumise à l'accès à la profession en Wallonie et à Bruxelles, à "
            "vérifier avant la première prestation."
        ),
        reason_nl=(
            "Het herstellen van fietsen blijft in Wallonië en Brussel onderworpen aan de toegang tot het "
            "beroep, na te gaan vóór de eerste opdracht."
        ),
        reason_en=(
            "Repairing bicycles is still subject to access-to-profession rules in Wallonia and Brussels, to be "
            "checked before the first job."
        ),
    ),
    TradeEntry(
        "production-driver",
        "transport",
        ON_APPROVAL,
        "Chauffeur·euse de production",
        "Productiechauffeur",
        "Production driver",
        reason_fr=(
            "Conduire le véhicule d'un client exige le permis de la bonne catégorie, la qualification "
            "professionnelle (code 95) pour les camions et autocars, et une vérification de l'assurance du "
            "véhicule."
        ),
        reason_nl=(
            "Het voertuig van een klant besturen vereist het rijbewijs van de juiste categorie, de "
            "vakbekwaamheid (code 95) voor vrachtwagens en autocars, en een controle van de verzekering van het "
            "voertuig."
        ),
        reason_en=(
            "Driving a client's vehicle requires a licence of the right category, the professional "
            "qualification (code 95) for lorries and coaches, and a check of the vehicle's insurance."
        ),
    ),
    TradeEntry(
        "taxi-driver",
        "transport",
        EXCLUDED,
        "Chauffeur·euse de taxi ou VTC",
        "Taxichauffeur",
        "Taxi or ride-hailing driver",
        reason_fr=(
            "Le transport rémunéré de personnes avec chauffeur exige une autorisation d'exploitation, régie par "
            "la réglementation régionale, au nom de l'exploitant."
        ),
        reason_nl=(
            "Bezoldigd personenvervoer met chauffeur vereist een exploitatievergunning volgens de gewestelijke "
            "regelgeving, op naam van de exploitant."
        ),
        reason_en=(
            "Paid passenger transport with a driver requires an operating licence under regional rules, in the "
            "operator's name."
        ),
    ),
)
