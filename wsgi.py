from fieldapp import create_app

app = create_app()
