"""Word lists the redaction rules read: capitalised words and phrases that are never a person's name,
honorifics, the words around a name that mark it as one, and name particles."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


def _phrases(text: str) -> frozenset[str]:
    return frozenset(p.strip() for p in text.split(";") if p.strip())


# Capitalised words that begin ordinary sentences or phrases: dropped from the ends of a capitalised
# run before it is judged ("Yesterday Anna" is "Anna").
STARTERS = _words(
    """I I'm I've I'd I'll A An The This That These Those It It's Its We We're Our Us You Your He She They
    Their There Then When Where What Why How Who Which If And But Or So Because Also Yes No Not Maybe
    Okay OK Well Now Today Yesterday Tomorrow Sometimes Usually Often Mostly Honestly Actually Really
    My Me Mine His Her Hers Them In On At For From To Of By With Without About After Before During Once
    Assistant User AI Thanks Thank Hi Hello Dear Sure Great Good Fine Right Just Still Even Every Each
    Some Most Many Much More Less First Second Third Next Last One Two Three Another Other Both All Any
    None Oh Hmm Um Uh Ah Yeah Yep Nope Like Overall Anyway Plus Although Though While Since Until As Let
    Do Does Did Is Are Was Were Be Been Have Has Had Can Could Should Would Will Must Might Please Sorry
    Ok Go Hey Wow Hm Hmm Haha Hah Lol Omg Ugh Yay Bye Cheers Ciao Ta Alright"""
)
# Contractions typed without the apostrophe: never names, though some are names somewhere ("Ive").
CONTRACTIONS = _words(
    "Im Ive Id Ill Lets Thats Dont Cant Wont Isnt Didnt Doesnt Youre Theyre Whats Hes Shes Wasnt Arent Ur"
)

# Single capitalised words that are never a person's name in an interview: software and services,
# months and days, languages and nationalities, holidays, common titles of things.
NEVER_WORDS = _words(
    """Claude ChatGPT GPT Gemini Copilot Bard Alexa Siri Cortana Grok Llama Mistral Perplexity Midjourney
    Excel Word PowerPoint Outlook Teams Slack Discord Zoom Google Microsoft Apple Amazon Meta Facebook
    Instagram TikTok YouTube LinkedIn Twitter Reddit WhatsApp Telegram Signal Notion Canva Figma Miro
    Jira Confluence Trello Asana Salesforce HubSpot Shopify Zapier GitHub GitLab Bitbucket Jenkins Docker
    Kubernetes Python Java JavaScript TypeScript Rust Ruby Julia Kotlin Swift Scala Perl Haskell Django
    Flask React Angular Vue Linux Windows Android iOS macOS Ubuntu Chrome Firefox Safari Edge Grammarly
    Quizlet Kahoot Duolingo Moodle Blackboard Canvas Classroom Tableau Airtable Dropbox OneDrive
    SharePoint Photoshop Illustrator Premiere Lightroom InDesign Acrobat AutoCAD Revit SolidWorks Matlab
    MATLAB SPSS Stata Excel Sheets Docs Gmail Bing Yahoo Wikipedia Spotify Netflix Uber Airbnb Tesla
    Nvidia Intel Adobe Oracle SAP IBM OpenAI Anthropic DeepMind Hugging Face Kaggle Jupyter Colab
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July
    August September October November December Christmas Easter Ramadan Eid Diwali Hanukkah Thanksgiving
    English French German Spanish Italian Portuguese Dutch Polish Swedish Norwegian Danish Finnish Greek
    Russian Ukrainian Turkish Arabic Hebrew Hindi Urdu Bengali Chinese Mandarin Cantonese Japanese Korean
    Vietnamese Thai Indonesian Malay Swahili Yoruba Igbo Hausa Persian Farsi Irish Scottish Welsh British
    American Canadian Australian Indian African European Asian Latin Brazilian Mexican Nigerian Kenyan
    Internet Web Covid COVID Brexit Olympics Bible Quran Lord God Jesus Buddha Allah Muhammad
    Mum Mom Dad Mummy Daddy Grandma Grandpa Nan Nana Granny Auntie Uncle Sir Madam Boss Team Manager
    Director Head Principal Professor Doctor Nurse Teacher Chair CEO CTO CFO Monsieur Madame"""
)

# Capitalised phrases that are never names: school stages, departments, job titles, qualifications,
# product and place names whose words are also names (matched as whole runs, any case of spacing).
NEVER_PHRASES = _phrases(
    """Key Stage; Key Stage One; Key Stage Two; Year Nine; Sixth Form; Human Resources; Visual Studio;
    Visual Studio Code; Medicinal Chemistry; Design Proposal; Instagram Reel; Mark Scheme; Grace Period;
    Monte Carlo; Santa Claus; Father Christmas; Saint Patrick; San Francisco; San Diego; San Jose;
    Los Angeles; Las Vegas; New York; New York City; New Jersey; New Delhi; New Zealand; Hong Kong;
    Buenos Aires; Rio de Janeiro; Sao Paulo; São Paulo; Santa Monica; Santa Clara; Salt Lake City;
    Tel Aviv; Kuala Lumpur; Cape Town; Abu Dhabi; Silicon Valley; Wall Street; Ivy League;
    Microsoft Teams; Google Docs; Google Sheets; Google Classroom; Google Drive; Power BI; Power Automate;
    Adobe Firefly; Stable Diffusion; Dall E; Final Cut; Pro Tools; Logic Pro; Android Studio;
    Jupyter Notebook; Visual Basic; Claude Code; Github Copilot; GitHub Copilot; Microsoft Copilot;
    Chief Executive; Head Teacher; Deputy Head; Vice Principal; Product Manager; Project Manager;
    Customer Service; Customer Success; Public Relations; Quality Assurance; Research and Development;
    Machine Learning; Artificial Intelligence; Data Science; Computer Science; Political Science;
    Social Work; Special Education; Early Years; Primary School; Secondary School; High School;
    Middle School; Grammar School; Further Education; Higher Education; Master Thesis; Bachelor Thesis;
    Black Friday; Cyber Monday; Boxing Day; Canada Day; Australia Day; Labor Day; Labour Day;
    Memorial Day; Independence Day; Bastille Day; Lexis Nexis; LexisNexis; Myers Briggs; New Year; Good Friday; Mother's Day; Father's Day;
    Grace Hopper Celebration; Harry Potter; Star Wars; Game of Thrones; Lord of the Rings"""
)

# Cities whose names are also common given names or surnames, and other big cities missing from the
# country and subdivision lists: a place, not a person.
CITIES = _words(
    """London Paris Berlin Madrid Rome Milan Florence Venice Naples Turin Vienna Zurich Geneva Brussels
    Amsterdam Rotterdam Lisbon Porto Dublin Cork Edinburgh Glasgow Manchester Liverpool Leeds Bristol
    Birmingham Oxford Cambridge York Chester Lincoln Warsaw Krakow Kraków Prague Budapest Athens Istanbul
    Moscow Kyiv Stockholm Oslo Copenhagen Helsinki Tokyo Osaka Kyoto Seoul Beijing Shanghai Shenzhen
    Singapore Bangkok Jakarta Manila Hanoi Mumbai Delhi Bangalore Bengaluru Chennai Kolkata Hyderabad
    Karachi Lahore Dhaka Lagos Abuja Nairobi Accra Cairo Johannesburg Durban Sydney Melbourne Brisbane
    Perth Adelaide Auckland Wellington Toronto Vancouver Montreal Ottawa Calgary Chicago Boston Seattle
    Austin Dallas Houston Denver Atlanta Miami Phoenix Portland Detroit Philadelphia Washington Orlando
    Nashville Charlotte Jackson Madison Savannah Berkeley Stanford Princeton Harvard Yale Mexico Bogota
    Lima Santiago Quito Havana Dubai Doha Riyadh Tehran Baghdad Beirut Amman Jerusalem Victoria Regina
    Hamilton Sofia Florence Adelaide Charlotte Chelsea Brooklyn Manhattan Queens Bronx Hollywood"""
)

HONORIFICS = _words(
    """Mr Mr. Mrs Mrs. Ms Ms. Mx Mx. Miss Dr Dr. Prof Prof. Professor Sir Dame Lord Lady Rev Rev. Fr Fr.
    Herr Frau Mme Mme. Mlle Mlle. Sr Sr. Sra Sra. Srta Srta. Sig. Sig.ra Signor Signora Pan Pani Dhr.
    Mevr. Shri Smt. Sri Señor Señora Dona Doña Monsieur Madame Dott. Dott.ssa Ing. Mag."""
)

# Words right before a name that make it one: "my colleague Oluwaseun", "named Kasia".
STRONG_CUES = _words(
    """colleague colleagues coworker co-worker manager boss friend wife husband partner son daughter
    brother sister mentor client supervisor named called nicknamed mum mom dad mother father aunt uncle
    cousin grandmother grandfather girlfriend boyfriend fiancé fiancée neighbour neighbor roommate
    flatmate tutor student pupil intern assistant director headteacher principal teammate classmate
    lecturer professor doctor nurse therapist counsellor counselor landlord tenant"""
)
# Words before a name that need the gazetteer to agree: "I asked Grace", "thanks to Tom".
WEAK_CUES = _words("with asked told met emailed texted messaged thanked and cc by from to ask tell")

PARTICLES = _words(
    """van von der den de del della di da das dos du la le ter ten bin binti ibn al el ben af av zu y e
    Van Von Der Den De Del Della Di Da Das Dos Du La Le Ter Ten Bin Al El Ben Ni Nic Mac Ó Ní"""
)

# Lower-case words that never take part in a lower-case name ("may be", "will do").
STOPWORDS = _words(
    """a an the and or but if so to of in on at by for with from as is are was were be been am do does
    did have has had can could will would shall should may might must not no yes it its i me my we us
    our you your he him his she her they them their this that these those there here then than too very
    just also only even still about into over under after before up down out off again once all any
    both each few more most other some such own same what which who whom whose when where why how
    said made went got took came gave told knew thought felt found left kept began ran saw wrote read
    met paid sent spent built brought bought taught caught held stood understood won lost says does"""
)

# Large employers and firms named without a legal suffix, across countries. Tools people use (Google,
# Microsoft, Excel ...) are not here: they are redacted only when named as an employer.
KNOWN_ORGS = _phrases(
    """Deloitte; PwC; PricewaterhouseCoopers; KPMG; EY; Ernst & Young; Accenture; McKinsey; BCG;
    Boston Consulting Group; Bain; Capgemini; Infosys; Wipro; Tata Consultancy Services; TCS; Cognizant;
    HCL; Tech Mahindra; Atos; Sopra Steria; Indra; Siemens; Bosch; BASF; Bayer; Allianz; SAP SE;
    Volkswagen; BMW; Daimler; Mercedes-Benz; Lufthansa; Deutsche Bank; Commerzbank; Thales; Airbus;
    Renault; Peugeot; TotalEnergies; BNP Paribas; Société Générale; AXA; L'Oréal; Danone; Carrefour;
    Santander; BBVA; Telefónica; Inditex; Zara; Mango; Iberdrola; Eni; Enel; Fiat; Ferrari; UniCredit;
    Intesa Sanpaolo; Generali; Philips; Shell; Unilever; ING; Rabobank; ABN AMRO; Heineken; Ahold;
    Ericsson; Volvo; IKEA; Spotify AB; H&M; Nordea; Nokia; Kone; Novo Nordisk; Maersk; Carlsberg; Lego;
    Equinor; Nestlé; Novartis; Roche; UBS; Credit Suisse; Zurich Insurance; ABB; HSBC; Barclays;
    Lloyds; NatWest; Tesco; Sainsbury's; Marks & Spencer; BP; Unilever; GSK; AstraZeneca; Rolls-Royce;
    BAE Systems; Vodafone; BT; Sky; BBC; NHS England; Aviva; Prudential; Goldman Sachs; JPMorgan;
    JP Morgan; Morgan Stanley; Citi; Citibank; Wells Fargo; Bank of America; BlackRock; Walmart; Target;
    Costco; Starbucks; McDonald's; Pfizer; Johnson & Johnson; Boeing; Lockheed Martin; Deloitte Digital;
    Salesforce Inc; Toyota; Honda; Sony; Panasonic; Hitachi; Toshiba; Mitsubishi; Rakuten; SoftBank;
    Samsung; Hyundai; LG; Kia; Naver; Kakao; Huawei; Alibaba; Tencent; Baidu; ByteDance; Xiaomi; Lenovo;
    Reliance; Tata; Mahindra; Infosys BPM; Wipro Ltd; Dangote; MTN; Safaricom; Jumia; Flutterwave;
    Vale; Petrobras; Itaú; Bradesco; Embraer; Ambev; Natura; Mercado Libre; Grupo Bimbo; Cemex; Femsa;
    Koç Holding; Turkcell; Emirates; Etihad; Aramco; Qatar Airways; Gazprom; Sberbank; Yandex"""
)
