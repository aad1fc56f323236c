"""The names, places and things of the bundled MRPC-style pairs: all fictional, written for the course."""

COMPANIES = [
    "Norvell Systems",
    "Baytree Foods",
    "Kestrel Airlines",
    "Halden Pharmaceuticals",
    "Corrin Steel",
    "Medway Telecom",
    "Ashgrove Bank",
    "Pellham Motors",
    "Tarrant Energy",
    "Vireo Software",
    "Lund Marsh Group",
    "Oakridge Insurance",
    "Brightwater Utilities",
    "Calder Mining",
    "Fenwick Retail",
    "Quillon Media",
    "Sorrel Chemicals",
    "Harlow Brewing",
    "Drayton Logistics",
    "Elmstead Semiconductor",
]
PEOPLE = [
    "Maria Delgado",
    "Thomas Brennan",
    "Aisha Rahman",
    "Henrik Olsen",
    "Grace Whitfield",
    "Daniel Okafor",
    "Lucia Ferrante",
    "Peter Vance",
    "Naomi Castell",
    "Samuel Lindqvist",
    "Ruth Abernathy",
    "Victor Mensah",
    "Helen Tsang",
    "Oscar Villanueva",
    "Clara Dunmore",
    "Ibrahim Saleh",
    "Fiona McAllister",
    "Jonas Weber",
    "Priya Natarajan",
    "Walter Hume",
]
TEAMS = [
    "the Harbor City Gulls",
    "the Red Valley Miners",
    "the Northgate Rovers",
    "the Pine Bluff Hawks",
    "the Eastport Mariners",
    "the Stonebridge Lions",
    "the Westfield Comets",
    "the Lakeside Otters",
]
CITIES = [
    "Chicago",
    "Denver",
    "Atlanta",
    "Boston",
    "Seattle",
    "Houston",
    "Phoenix",
    "Miami",
    "Detroit",
    "Portland",
    "Sacramento",
    "Baltimore",
]
REGIONS = [
    "northern Peru",
    "western Turkey",
    "central Chile",
    "eastern Indonesia",
    "southern Iran",
    "the Philippine island of Mindanao",
    "northern Japan",
    "central Mexico",
    "western Nepal",
    "southern Greece",
]
COUNTRIES = ["Germany", "Canada", "Spain", "Australia", "Brazil", "Japan", "Italy", "Poland"]
AGENCIES = {
    "Germany": "federal labour office",
    "Canada": "national statistics agency",
    "Spain": "labour ministry",
    "Australia": "bureau of statistics",
    "Brazil": "statistics institute",
    "Japan": "internal affairs ministry",
    "Italy": "national statistics office",
    "Poland": "central statistical office",
}
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
QUARTERS = ["first-quarter", "second-quarter", "third-quarter", "fourth-quarter"]
AIRPORTS = [
    "Heathrow",
    "Frankfurt airport",
    "Charles de Gaulle airport",
    "Madrid's Barajas airport",
    "Schiphol",
    "Rome's Fiumicino airport",
    "Dublin airport",
    "Brussels airport",
]
WORKERS = ["baggage handlers", "air traffic controllers", "security staff", "ground crews", "pilots"]
DISEASES = ["measles", "dengue fever", "cholera", "whooping cough", "West Nile virus", "mumps"]
CRIMES = ["wire fraud", "securities fraud", "money laundering", "bribery", "tax evasion", "insider trading"]
BODIES = ["Senate", "House", "state Assembly", "city council"]
POLICIES = [
    "raise the minimum wage",
    "ban smoking in restaurants",
    "expand early voting",
    "cut the state income tax",
    "limit rent increases",
    "fund new highway repairs",
    "require body cameras for police",
    "lower the drinking age for wine",
]
EXCHANGES = ["New York Stock Exchange", "Nasdaq", "London Stock Exchange", "Toronto Stock Exchange"]
PRODUCTS = [
    ("pickup trucks", "brake line", "leak fluid and reduce braking"),
    ("space heaters", "thermostat", "overheat and start a fire"),
    ("baby strollers", "folding hinge", "pinch a child's fingers"),
    ("laptop batteries", "battery cell", "overheat during charging"),
    ("electric bicycles", "front fork", "crack while riding"),
    ("pressure cookers", "lid seal", "release scalding steam"),
]
PLACES = [
    "Redding",
    "Santa Rosa",
    "Bend",
    "Flagstaff",
    "Boulder",
    "Missoula",
    "Paradise",
    "Ventura",
    "Prescott",
    "Durango",
]
BANKS = ["central bank", "Bank of Canada", "Reserve Bank of Australia", "Bank of England", "Federal Reserve"]
ALLEGATIONS = [
    "misled investors about its debt",
    "overcharged customers for insurance",
    "hid safety defects from regulators",
    "inflated its reported sales",
    "polluted a river near its plant",
    "underpaid its overtime workers",
]
SETTLING_AGENCIES = [
    "Securities and Exchange Commission",
    "Federal Trade Commission",
    "Justice Department",
    "Environmental Protection Agency",
]
ROLES = ["chief executive", "chief financial officer", "chairman", "chief operating officer"]
