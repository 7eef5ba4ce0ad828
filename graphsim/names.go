package graphsim

// Word lists the generator draws from. Company names are Microsoft's own
// fictitious ones (used throughout its documentation), so generated tenants
// read like the docs' examples and name no real organisation.

var companyNames = [...]string{
	"Contoso", "Fabrikam", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank",
	"Adventure Works", "Litware", "Proseware", "Wingtip Toys", "Fourth Coffee",
	"Alpine Ski House", "Trey Research", "Coho Winery", "Lamna Healthcare", "Relecloud",
	"Wide World Importers", "Blue Yonder Airlines", "Margie's Travel", "Humongous Insurance", "Lucerne Publishing",
}

var givenNames = [...]string{
	"Adele", "Alex", "Allan", "Christie", "Debra", "Diego", "Emily", "Enrico", "Grady", "Henrietta",
	"Irvin", "Isaiah", "Johanna", "Joni", "Lee", "Lidia", "Lynne", "Megan", "Miriam", "Nestor",
	"Patti", "Pradeep", "Aaron", "Abigail", "Adam", "Aisha", "Akira", "Alan", "Alejandro", "Alice",
	"Amara", "Amit", "Ana", "Andrea", "Andrew", "Angela", "Anna", "Anthony", "Arjun", "Ava",
	"Beatriz", "Ben", "Bianca", "Brian", "Camila", "Carlos", "Caroline", "Catherine", "Chen", "Chloe",
	"Chris", "Claire", "Daniel", "David", "Deepa", "Diana", "Dmitri", "Elena", "Elif", "Emma",
	"Eric", "Fatima", "Felix", "Fiona", "Francesca", "Gabriel", "George", "Grace", "Hannah", "Hiroshi",
	"Ian", "Ingrid", "Isabel", "Ivan", "Jack", "James", "Jana", "Javier", "Jennifer", "Jessica",
	"John", "Jonas", "Jose", "Julia", "Kai", "Karen", "Kate", "Kenji", "Kevin", "Laura",
	"Leila", "Liam", "Linda", "Lucas", "Lucia", "Luis", "Maria", "Mark", "Martin", "Mateo",
	"Mei", "Michael", "Mohammed", "Nadia", "Naomi", "Nathan", "Nikhil", "Nina", "Noah", "Olivia",
	"Omar", "Oscar", "Paul", "Paula", "Peter", "Priya", "Rachel", "Rafael", "Rahul", "Rebecca",
	"Ricardo", "Robert", "Rosa", "Ryan", "Samuel", "Sara", "Sean", "Sofia", "Sophie", "Stefan",
	"Sunita", "Takeshi", "Tanvi", "Thomas", "Tomas", "Valentina", "Victor", "Wei", "William", "Yara",
	"Yuki", "Zainab", "Zoe", "Ahmed", "Astrid", "Bruno", "Carmen", "Dalia", "Erik", "Freya",
}

var surnames = [...]string{
	"Vance", "Wilber", "Deyoung", "Cline", "Berg", "Zrinski", "Braun", "Salvaggio", "Archie", "Cerrato",
	"Sink", "Richard", "Lambert", "Sherman", "Gu", "Holloway", "Robbins", "Bowen", "Graham", "Wilke",
	"Fernandez", "Gupta", "Abbott", "Adams", "Afolabi", "Ahmed", "Alvarez", "Andersen", "Bakker", "Banerjee",
	"Barros", "Becker", "Bennett", "Bianchi", "Brooks", "Campbell", "Carter", "Castillo", "Chandra", "Chen",
	"Choi", "Clarke", "Costa", "Cruz", "Dang", "Das", "Davies", "Dubois", "Duarte", "Edwards",
	"Eriksson", "Evans", "Fischer", "Flores", "Foster", "Garcia", "Gomez", "Gonzalez", "Green", "Hall",
	"Hansen", "Hartmann", "Hayashi", "Hernandez", "Hoffmann", "Hughes", "Iyer", "Jackson", "Jansen", "Johansson",
	"Johnson", "Jones", "Kaur", "Keller", "Khan", "Kim", "King", "Kowalski", "Kumar", "Larsen",
	"Laurent", "Lee", "Lopez", "Martin", "Martinez", "Meyer", "Mehta", "Mendes", "Moreau", "Morris",
	"Muller", "Murphy", "Nakamura", "Nguyen", "Nielsen", "Novak", "Okafor", "Olsen", "Ortiz", "Park",
	"Patel", "Perez", "Petrov", "Pham", "Popescu", "Rahman", "Ramirez", "Reddy", "Reyes", "Rossi",
	"Russo", "Sanchez", "Santos", "Sato", "Schmidt", "Schneider", "Shah", "Silva", "Singh", "Smith",
	"Suzuki", "Takahashi", "Tanaka", "Taylor", "Thomas", "Torres", "Turner", "Wagner", "Walker", "Wang",
	"Watanabe", "Weber", "White", "Williams", "Wilson", "Wong", "Wright", "Yamamoto", "Yilmaz", "Zhang",
}

var departments = [...]string{
	"Sales", "Marketing", "Finance", "Human Resources", "Engineering", "Research", "Operations",
	"Legal", "IT", "Customer Service", "Manufacturing", "Executive Management", "Procurement", "Retail",
}

// jobTitles by department index; the first title of each is its manager's.
var jobTitles = [len(departments)][]string{
	{"Sales Director", "Account Executive", "Sales Representative", "Inside Sales Representative", "Sales Operations Analyst"},
	{"Marketing Director", "Marketing Manager", "Content Strategist", "Digital Marketing Specialist", "Brand Designer"},
	{"Chief Financial Officer", "Financial Analyst", "Accountant", "Payroll Specialist", "Controller"},
	{"HR Director", "HR Business Partner", "Recruiter", "HR Generalist", "Learning and Development Specialist"},
	{"VP Engineering", "Software Engineer", "Senior Software Engineer", "Site Reliability Engineer", "QA Engineer", "Product Manager"},
	{"Research Director", "Research Scientist", "Data Scientist", "Lab Technician"},
	{"COO", "Operations Manager", "Logistics Coordinator", "Facilities Manager", "Supply Chain Analyst"},
	{"General Counsel", "Corporate Lawyer", "Paralegal", "Compliance Officer"},
	{"CIO", "Systems Administrator", "Service Desk Analyst", "Network Engineer", "Security Analyst", "Cloud Architect"},
	{"Customer Service Manager", "Support Agent", "Customer Success Manager", "Technical Support Engineer"},
	{"Plant Manager", "Production Supervisor", "Machine Operator", "Quality Inspector", "Maintenance Technician"},
	{"CEO", "Executive Assistant", "Chief of Staff"},
	{"Procurement Manager", "Buyer", "Vendor Manager"},
	{"Retail Manager", "Store Associate", "Cashier", "Visual Merchandiser"},
}

// isFrontline reports whether a department's staff get F3 licences.
func isFrontline(department string) bool {
	switch department {
	case "Retail", "Manufacturing", "Customer Service":
		return true
	}
	return false
}

// office is a site: the officeLocation, the usageLocation (ISO 3166 alpha-2),
// the preferred language and the phone prefix of the people who work there.
type office struct {
	Name, Country, Language, Phone string
}

var offices = [...]office{
	{"Redmond", "US", "en-US", "+1 425 555 "},
	{"New York", "US", "en-US", "+1 212 555 "},
	{"Seattle", "US", "en-US", "+1 206 555 "},
	{"Toronto", "CA", "en-CA", "+1 416 555 "},
	{"London", "GB", "en-GB", "+44 20 7946 "},
	{"Dublin", "IE", "en-IE", "+353 1 555 "},
	{"Munich", "DE", "de-DE", "+49 89 5555 "},
	{"Paris", "FR", "fr-FR", "+33 1 5555 "},
	{"Amsterdam", "NL", "nl-NL", "+31 20 555 "},
	{"Madrid", "ES", "es-ES", "+34 91 555 "},
	{"Stockholm", "SE", "sv-SE", "+46 8 555 "},
	{"Bangalore", "IN", "en-IN", "+91 80 5555 "},
	{"Tokyo", "JP", "ja-JP", "+81 3 5555 "},
	{"Sydney", "AU", "en-AU", "+61 2 5555 "},
	{"Sao Paulo", "BR", "pt-BR", "+55 11 5555 "},
}

// roomNames and equipmentNames name resource mailboxes.
var roomNames = [...]string{"Conf Room Adams", "Conf Room Baker", "Conf Room Crystal", "Conf Room Hood", "Conf Room Rainier", "Conf Room Stevens", "Board Room", "Training Room", "Huddle Room"}
var equipmentNames = [...]string{"Projector", "Pool Car", "Camera Kit", "Loaner Laptop", "Van"}
var sharedMailboxNames = [...]string{"Info", "Support", "Sales Enquiries", "Accounts Payable", "HR Help", "Reception", "Press", "Careers", "IT Helpdesk", "Legal Notices"}

// guestDomains are the home domains of B2B guests (fictitious, per
// Microsoft's documentation conventions).
var guestDomains = [...]string{"fabrikam.com", "litwareinc.com", "adatum.com", "tailspintoys.com", "wingtiptoys.com", "northwindtraders.com", "gmail.com", "outlook.com"}

// groupTopics name team and project groups.
var groupTopics = [...]string{
	"Project Phoenix", "Mark 8 Project Team", "Digital Initiative", "Retail Launch", "Contoso Life", "Leadership",
	"Product Launch", "Security Champions", "Cloud Migration", "Data Platform", "Customer Advisory Board",
	"Wellness Club", "Diversity Council", "Innovation Lab", "Partner Enablement", "Quarterly Planning",
	"Brand Refresh", "Mobile App", "Supplier Onboarding", "Sustainability", "Graduate Programme", "Town Hall",
	"Events", "Compliance Review", "Field Operations", "Knowledge Base", "Price Review", "Service Desk",
	"Travel Desk", "Onboarding",
}
