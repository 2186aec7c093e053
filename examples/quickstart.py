print("quickstart: (being built)")
